import { Link } from 'react-router';
import type { Instance } from '../../api/types';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { formatDuration } from '../../lib/format';

interface InstancesTableProps {
  instances: Instance[];
  caption: string;
  /** Compact: fewer columns (overview). */
  compact?: boolean;
}

function duration(i: Instance): string {
  if (i.actualTriggerTime === null) return '-';
  return formatDuration((i.finishedTime ?? Date.now()) - i.actualTriggerTime);
}

export function InstancesTable({ instances, caption, compact = false }: InstancesTableProps) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            {!compact && <th scope="col">Worker</th>}
            {!compact && <th scope="col">Expected trigger</th>}
            <th scope="col">Started</th>
            {!compact && <th scope="col">Finished</th>}
            <th scope="col">Duration</th>
            {!compact && <th scope="col">Runs</th>}
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.id}>
              <th scope="row">
                <Link to={`/instances/${i.id}`}>#{i.id}</Link>
              </th>
              <td>
                <Link to={`/instances?jobId=${i.jobId}`} title="Instances of this job">
                  {i.jobName ?? `Job ${i.jobId}`}
                </Link>
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td className="reason">{i.statusReason ?? (i.status === 'FAILED' ? (i.result ?? '') : '')}</td>
              {!compact && <td>{i.workerId ?? '-'}</td>}
              {!compact && (
                <td>
                  <Time value={i.expectedTriggerTime} />
                </td>
              )}
              <td>
                <Time value={i.actualTriggerTime} />
              </td>
              {!compact && (
                <td>
                  <Time value={i.finishedTime} />
                </td>
              )}
              <td>{duration(i)}</td>
              {!compact && <td>{i.runningTimes}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
