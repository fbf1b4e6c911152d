/** The server's view of a live worker is the shared selector's: one shape, defined in @jobnest/common. */
export type { WorkerState } from '@jobnest/common';
