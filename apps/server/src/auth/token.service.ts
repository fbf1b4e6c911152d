// Old path kept for apps/server/src/cluster, which is being rewritten in parallel: delete once its imports name
// platform/auth/token.service.
export * from '../platform/auth/token.service';
