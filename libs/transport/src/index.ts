export * from './names';
export * from './redis-connection';
export * from './message-codec';
export * from './stream-producer';
export * from './stream-group-consumer';
export * from './worker-command-sender';
export * from './entry-apply-error';
export * from './acknowledged-trim';
