// Old path kept for apps/server/src/cluster, which is being rewritten in parallel: delete once its imports name
// platform/auth/current-app.decorator.
export * from '../platform/auth/current-app.decorator';
