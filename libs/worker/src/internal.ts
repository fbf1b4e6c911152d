/**
 * Internals of the worker SDK, for Jobnest's own tests (unit tests of the TaskTracker's parts with fakes).
 * Not a public API: anything here may change in any release. Applications import from '@jobnest/worker'.
 */
export * from './distributed/broadcast-dispatch-policy';
export * from './distributed/dispatch-policy';
export * from './distributed/held-task-adoption';
export * from './distributed/in-flight-ledger';
export * from './distributed/map-dispatch-policy';
export * from './distributed/ready-queue';
export * from './distributed/result-write-behind';
export * from './distributed/root-steps';
export * from './distributed/run-finisher';
export * from './distributed/run-fleet';
export * from './distributed/run-state';
export * from './distributed/serial-writes';
export * from './distributed/task-progress';
export * from './distributed/task-tracker';
export * from './distributed/waiting-row-cursor';
export * from './execution/instance-run';
export * from './execution/result-limit';
export * from './execution/run-attempt';
export * from './execution/task-context';
export * from './processor/processor-steps';
export * from './reporting/log-buffer';
export * from './reporting/log-message-limit';
export * from './subtasks/instance-slot';
export * from './subtasks/map-items';
export * from './util/recently-stopped';
export * from './util/worker-logger';
export * from './execution/workflow-handle';
export * from './reporting/status-reporter';
