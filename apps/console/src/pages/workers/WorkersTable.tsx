import type { WorkerView } from '../../api/types';
import { Time } from '../../components/Time';
import { formatAge, formatNumber } from '../../lib/format';
import { useNow } from '../../lib/use-now';

/** A heartbeat older than this is shown as late (workers beat every few seconds). */
const LATE_MS = 15_000;

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

export function WorkersTable({ workers, compact = false }: { workers: WorkerView[]; compact?: boolean }) {
  const now = useNow(1000);
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Live workers</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            {!compact && <th scope="col">Host / PID</th>}
            {!compact && <th scope="col">Processors</th>}
            {!compact && <th scope="col">Tags</th>}
            <th scope="col">CPU</th>
            <th scope="col">Load</th>
            <th scope="col">Memory</th>
            <th scope="col">Running</th>
            <th scope="col">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => {
            const m = w.metrics;
            const usedMb = m.memoryTotalMb - m.memoryFreeMb;
            const age = now - w.lastHeartbeat;
            return (
              <tr key={w.workerId}>
                <th scope="row" className="mono">
                  {w.workerId}
                </th>
                {!compact && (
                  <td>
                    {w.host} / {w.pid}
                  </td>
                )}
                {!compact && (
                  <td>
                    <ul className="chips">
                      {w.processors.map((p) => (
                        <li key={p}>
                          <code>{p}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                )}
                {!compact && (
                  <td>
                    {w.tags.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <ul className="chips">
                        {w.tags.map((t) => (
                          <li key={t}>{t}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                )}
                <td>{m.cpuCores} cores</td>
                <td title="One-minute load average per core">{percent(m.cpuLoad)}</td>
                <td title={`Free ${formatNumber(m.memoryFreeMb)} MB; process RSS ${formatNumber(m.processRssMb)} MB`}>
                  {formatNumber(usedMb)} / {formatNumber(m.memoryTotalMb)} MB (
                  {percent(m.memoryTotalMb > 0 ? usedMb / m.memoryTotalMb : 0)})
                </td>
                <td>
                  {w.runningInstances} / {w.maxConcurrentInstances}
                </td>
                <td className={age > LATE_MS ? 'warn-text' : undefined}>
                  {formatAge(w.lastHeartbeat, now)}
                  {age > LATE_MS && ' (late)'}
                  <div className="small">
                    <Time value={w.lastHeartbeat} />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
