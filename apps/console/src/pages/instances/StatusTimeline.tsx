import type { Instance } from '../../api/types';
import { Time } from '../../components/Time';
import { formatDuration } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { isFinal } from './instance-status';

interface Step {
  label: string;
  at: number | null;
  /** Time spent from the previous step to this one. */
  note?: string;
}

/** Created (due), started (dispatched to a worker), finished: with the time between them. */
export function StatusTimeline({ instance }: { instance: Instance }) {
  const now = useNow(1000);
  const { expectedTriggerTime: due, actualTriggerTime: started, finishedTime: finished } = instance;
  const final = isFinal(instance.status);

  const steps: Step[] = [
    { label: 'Created (due)', at: due },
    {
      label: 'Dispatched / started',
      at: started,
      note:
        started !== null
          ? `waited ${formatDuration(started - due)}`
          : final
            ? 'never started'
            : `waiting for ${formatDuration(now - due)}`,
    },
    {
      label: `Finished${final ? ` (${instance.status})` : ''}`,
      at: finished,
      note:
        finished !== null && started !== null
          ? `ran ${formatDuration(finished - started)}`
          : started !== null && !final
            ? `running for ${formatDuration(now - started)}`
            : undefined,
    },
  ];

  return (
    <section>
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        {steps.map((s) => (
          <li key={s.label} className={s.at !== null ? 'done' : 'pending'}>
            <span className="timeline-label">{s.label}</span> <Time value={s.at} empty="not yet" />
            {s.note && <span className="muted"> · {s.note}</span>}
          </li>
        ))}
      </ol>
      {finished !== null && <p className="muted">Total from due to finished: {formatDuration(finished - due)}</p>}
    </section>
  );
}
