// Old path kept for apps/server/src/cluster, which is being rewritten in parallel: delete once its imports name
// platform/config/server-config.
export * from '../platform/config/server-config';
