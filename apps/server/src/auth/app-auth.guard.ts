// Old path kept for apps/server/src/cluster, which is being rewritten in parallel: delete once its imports name
// platform/auth/app-auth.guard.
export * from '../platform/auth/app-auth.guard';
