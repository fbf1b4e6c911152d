import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AlarmChannel } from '../../api/alarm-types';
import { testAlarmChannel } from '../../api/alarms';
import { useCurrentApp } from '../../auth/session-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { deliveriesKey } from './use-alarms';

/** Queues a test alarm to the channel, then says which history row shows how it went. */
function SendTestButton({ channel }: { channel: AlarmChannel }) {
  const { app } = useCurrentApp();
  const queryClient = useQueryClient();
  const send = useMutation({
    mutationFn: () => testAlarmChannel(app, channel.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesKey(app) }),
  });
  return (
    <div className="row-actions">
      <button type="button" onClick={() => send.mutate()} disabled={send.isPending}>
        Send test
      </button>
      {send.isSuccess && (
        <p role="status" className="small">
          Test alarm queued (delivery {send.data.deliveryId}): see the delivery history above.
        </p>
      )}
      <ErrorMessage error={send.error} title="Could not send the test alarm" />
    </div>
  );
}

/** Where the channel sends: the URL's origin (never its path, query or secret), or the addresses of an EMAIL one. */
function where(channel: AlarmChannel) {
  if (channel.urlOrigin !== null) return <code>{channel.urlOrigin}</code>;
  if (channel.type === 'EMAIL') return <>{channel.recipients.join(', ')}</>;
  return <span className="muted">—</span>;
}

export function ChannelsTable({ channels }: { channels: AlarmChannel[] }) {
  const { can } = useCurrentApp();
  const canTest = can('develop');
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Alarm channels</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Where</th>
            <th scope="col">Secret set</th>
            <th scope="col">Recipients / mentions</th>
            {canTest && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.name}</th>
              <td>{c.type}</td>
              <td>{where(c)}</td>
              <td>{c.secretSet ? 'yes' : 'no'}</td>
              <td>
                {c.recipients.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul className="chips">
                    {c.recipients.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                )}
              </td>
              {canTest && (
                <td>
                  <SendTestButton channel={c} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
