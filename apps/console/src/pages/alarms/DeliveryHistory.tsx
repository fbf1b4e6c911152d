import { Link } from 'react-router';
import type { AlarmDelivery, AlarmDeliveryFilter, AlarmDeliveryStatus, AlarmEventType } from '../../api/alarm-types';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { useClampedPage } from '../../lib/use-clamped-page';
import { useSearchState } from '../../lib/use-search-state';
import { DeliveryFilters } from './DeliveryFilters';
import { useAlarmDeliveries } from './use-alarms';

const PAGE_SIZE = 20;

/** The alarm's title, linked to the instance or workflow run it is about (when it is about one). */
function DeliveryTitle({ delivery }: { delivery: AlarmDelivery }) {
  // The server answers `{}` for an event it could not read back: then neither id is there.
  const { instanceId, workflowInstanceId } = delivery.event;
  if (typeof instanceId === 'number') return <Link to={`/instances/${instanceId}`}>{delivery.title}</Link>;
  if (typeof workflowInstanceId === 'number') {
    return <Link to={`/workflow-instances/${workflowInstanceId}`}>{delivery.title}</Link>;
  }
  return <>{delivery.title}</>;
}

function channelLabel(channelId: number | null, channelNames: ReadonlyMap<number, string>): string {
  if (channelId === null) return '—';
  return channelNames.get(channelId) ?? `#${channelId}`;
}

/** The delivery history, newest first: one row per alarm and channel, sent, retrying, failed or held back. */
export function DeliveryHistory({ app, channelNames }: { app: string; channelNames: ReadonlyMap<number, string> }) {
  const search = useSearchState();
  const filter = {
    status: (search.get('status') || undefined) as AlarmDeliveryStatus | undefined,
    eventType: (search.get('eventType') || undefined) as AlarmEventType | undefined,
  };
  const params: AlarmDeliveryFilter = { ...filter, page: search.page, size: PAGE_SIZE };
  const query = useAlarmDeliveries(app, params);
  useClampedPage(query.data, search.setPage);
  const filtered = Object.values(filter).some((v) => v !== undefined);

  return (
    <section aria-labelledby="alarm-history-title">
      <h2 id="alarm-history-title">Delivery history</h2>
      <DeliveryFilters
        key={JSON.stringify(filter)}
        value={filter}
        onApply={(f) => search.update({ status: f.status, eventType: f.eventType })}
      />
      <QueryView
        query={query}
        what="the alarm history"
        isEmpty={(d) => d.items.length === 0}
        empty={filtered ? 'No delivery matches these filters.' : 'No alarm was sent or held back yet.'}
      >
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Alarm deliveries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Status</th>
                    <th scope="col">Event</th>
                    <th scope="col">Title</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Suppressed</th>
                    <th scope="col">Answer</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <Time value={d.createdTime} />
                      </td>
                      <td>
                        <StatusBadge status={d.status} />
                      </td>
                      <td>
                        <code>{d.eventType}</code>
                      </td>
                      <td className="reason">
                        <DeliveryTitle delivery={d} />
                      </td>
                      <td>{channelLabel(d.channelId, channelNames)}</td>
                      <td>{d.attempts}</td>
                      <td>{d.suppressedCount}</td>
                      <td className="reason small muted">{d.answer ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={data.page} size={data.size} total={data.total} onPage={search.setPage} />
          </>
        )}
      </QueryView>
    </section>
  );
}
