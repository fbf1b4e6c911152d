// Old path kept for apps/server/src/cluster, which is being rewritten in parallel: delete once its imports name
// platform/redis/redis-connections.service.
export * from '../platform/redis/redis-connections.service';
