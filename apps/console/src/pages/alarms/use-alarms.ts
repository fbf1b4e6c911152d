import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AlarmDeliveryFilter } from '../../api/alarm-types';
import { listAlarmChannels, listAlarmDeliveries, listAlarmRules } from '../../api/alarms';
import { keys } from '../../api/query-keys';

/** Polling of the page; it stops on an error (a 403 polled again and again would only repeat itself). */
const HISTORY_POLL_MS = 5_000;
const SETTINGS_POLL_MS = 30_000;

export function deliveriesKey(app: string) {
  return [...keys.alarms(app), 'deliveries'] as const;
}

/** One page of the delivery history, refreshed every 5 s. */
export function useAlarmDeliveries(app: string, params: AlarmDeliveryFilter) {
  return useQuery({
    queryKey: [...deliveriesKey(app), params],
    queryFn: () => listAlarmDeliveries(app, params),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.status === 'error' ? false : HISTORY_POLL_MS),
  });
}

/** The app's channels: they change through the API or the CLI only, so a slower refresh. */
export function useAlarmChannels(app: string) {
  return useQuery({
    queryKey: [...keys.alarms(app), 'channels'],
    queryFn: () => listAlarmChannels(app),
    refetchInterval: (q) => (q.state.status === 'error' ? false : SETTINGS_POLL_MS),
  });
}

export function useAlarmRules(app: string) {
  return useQuery({
    queryKey: [...keys.alarms(app), 'rules'],
    queryFn: () => listAlarmRules(app),
    refetchInterval: (q) => (q.state.status === 'error' ? false : SETTINGS_POLL_MS),
  });
}
