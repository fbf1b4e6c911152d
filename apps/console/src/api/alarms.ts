import type { AlarmChannel, AlarmDelivery, AlarmDeliveryFilter, AlarmRule } from './alarm-types';
import { apiRequest } from './http';
import type { Page } from './types';

/** The delivery history of the app's alarms, newest first. */
export function listAlarmDeliveries(app: string, query: AlarmDeliveryFilter): Promise<Page<AlarmDelivery>> {
  return apiRequest('/api/v1/alarm-deliveries', { app, query: { ...query } });
}

/** The app's alarm channels (never their URL's path or their secret). */
export function listAlarmChannels(app: string): Promise<AlarmChannel[]> {
  return apiRequest('/api/v1/alarm-channels', { app });
}

export function listAlarmRules(app: string): Promise<AlarmRule[]> {
  return apiRequest('/api/v1/alarm-rules', { app });
}

/** Queues a test alarm to one channel (DEVELOPER and up); its history row shows how it went. */
export function testAlarmChannel(app: string, channelId: number): Promise<{ deliveryId: number }> {
  return apiRequest(`/api/v1/alarm-channels/${channelId}/test`, { app, method: 'POST' });
}
