import { useQuery } from '@tanstack/react-query';
import { keys } from '../../api/query-keys';
import { listWorkers } from '../../api/workers';

/** Live workers of the app, refreshed every 5 s. */
export function useWorkers(app: string) {
  return useQuery({ queryKey: keys.workers(app), queryFn: () => listWorkers(app), refetchInterval: 5_000 });
}
