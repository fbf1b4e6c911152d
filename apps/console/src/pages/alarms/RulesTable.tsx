import { Link } from 'react-router';
import type { AlarmRule } from '../../api/alarm-types';
import { formatPeriod } from '../../lib/format';

/** What the rule is set on: the app's default, or one job or workflow (linked to its editor). */
function target(rule: AlarmRule) {
  if (rule.scope === 'APP' || rule.targetId === null) return <>App default</>;
  if (rule.scope === 'JOB') return <Link to={`/jobs/${rule.targetId}/edit`}>Job #{rule.targetId}</Link>;
  return <Link to={`/workflows/${rule.targetId}`}>Workflow #{rule.targetId}</Link>;
}

export function RulesTable({ rules, channelNames }: { rules: AlarmRule[]; channelNames: ReadonlyMap<number, string> }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Alarm rules</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Events</th>
            <th scope="col">Channels</th>
            <th scope="col">Threshold</th>
            <th scope="col">Silence</th>
            <th scope="col">Recovery</th>
            <th scope="col">Enabled</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id}>
              <th scope="row">{target(r)}</th>
              <td>
                <ul className="chips">
                  {r.events.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </td>
              <td>{r.channelIds.map((id) => channelNames.get(id) ?? `#${id}`).join(', ')}</td>
              <td>
                {r.thresholdCount} within {formatPeriod(r.thresholdWindowMs)}
              </td>
              <td>{r.silenceMs === 0 ? 'none' : formatPeriod(r.silenceMs)}</td>
              <td>{r.notifyRecovery ? 'yes' : 'no'}</td>
              <td>{r.enabled ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
