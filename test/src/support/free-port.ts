/** A TCP port free on 127.0.0.1 right now, for a process a test starts itself. */
export { freePort } from '../../../tools/process-harness/dist/free-port';
