export * from './enums';
export * from './errors';
export * from './messages';
export * from './password';
export * from './env-reader';
export * from './time-zone';
export * from './daily-time-interval';
export * from './time-expression';
export const JOBNEST_VERSION = '0.1.0';
