import { errorMessage, JobnestError } from '@jobnest/common';

/**
 * A stream entry could not be applied, for a reason of its own (not an unreachable MySQL or Redis). It stays
 * pending and is tried again; after `maxFailures` such failures it is dead-lettered.
 */
export class EntryApplyError extends JobnestError {
  constructor(
    readonly stream: string,
    readonly entryId: string,
    readonly failures: number,
    readonly maxFailures: number,
    readonly reason: unknown,
  ) {
    super(
      `entry ${entryId} of ${stream} failed (${failures} of ${maxFailures} times before it is dead-lettered): ${errorMessage(reason)}`,
      'STREAM_ENTRY_FAILED',
    );
  }
}
