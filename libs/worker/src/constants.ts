/** Injection token of the raw JobnestWorkerOptions given to forRoot / built by forRootAsync. */
export const JOBNEST_WORKER_OPTIONS = Symbol('JOBNEST_WORKER_OPTIONS');

/** Metadata key set by @JobProcessor on a class; its value is the processor name. */
export const JOB_PROCESSOR_METADATA = 'jobnest:job-processor';

/** Identity of the root task of an instance (the only task of a STANDALONE instance). */
export const ROOT_TASK_ID = '0';
export const ROOT_TASK_NAME = 'ROOT_TASK';
