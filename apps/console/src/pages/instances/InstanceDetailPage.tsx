import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { getInstance } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { Instance } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { NotFoundPage } from '../NotFoundPage';
import { InstanceActions } from './InstanceActions';
import { isFinal } from './instance-status';
import { LOG_FOLLOW_AFTER_END_MS, LogTail } from './LogTail';
import { StatusTimeline } from './StatusTimeline';
import { TaskList } from './TaskList';
import { TaskProgress } from './TaskProgress';

function Details({ instance }: { instance: Instance }) {
  return (
    <dl className="details">
      <dt>Job</dt>
      <dd>
        <Link to={`/instances?jobId=${instance.jobId}`}>{instance.jobName ?? `Job ${instance.jobId}`}</Link>
      </dd>
      <dt>Worker</dt>
      <dd className="mono">{instance.workerId ?? '-'}</dd>
      <dt>Runs</dt>
      <dd>{instance.runningTimes}</dd>
      <dt>Takeovers</dt>
      <dd>{instance.takeovers}</dd>
      <dt>Status reason</dt>
      <dd>{instance.statusReason ?? '-'}</dd>
      <dt>Idempotency key</dt>
      <dd className="mono">{instance.idempotencyKey ?? '-'}</dd>
      <dt>Concurrency key</dt>
      <dd className="mono">{instance.concurrencyKey === null ? '-' : `'${instance.concurrencyKey}'`}</dd>
      <dt>Priority</dt>
      <dd>{instance.priority}</dd>
      <dt>Held by</dt>
      <dd>{instance.heldBy ?? '-'}</dd>
      <dt>Instance params</dt>
      <dd>
        <pre className="value">{instance.instanceParams ?? '-'}</pre>
      </dd>
      <dt>Result</dt>
      <dd>
        <pre className="value">{instance.result ?? '-'}</pre>
      </dd>
    </dl>
  );
}

export function InstanceDetailPage() {
  const { app } = useCurrentApp();
  const id = Number(useParams().id);
  const valid = Number.isInteger(id) && id > 0;
  const query = useQuery({
    queryKey: [...keys.instances(app), 'one', id],
    queryFn: () => getInstance(app, id),
    // Stops once final, and on an error (a 404 or 403 polled every second would only repeat itself).
    refetchInterval: (q) =>
      q.state.status === 'error' || (q.state.data && isFinal(q.state.data.status)) ? false : 1_000,
    enabled: valid,
  });
  if (!valid) return <NotFoundPage />;

  return (
    <>
      <PageHeader title={`Instance #${id}`}>{query.data && <StatusBadge status={query.data.status} />}</PageHeader>
      <QueryView query={query} what="the instance">
        {(instance) => {
          const live = !isFinal(instance.status);
          return (
            <>
              <InstanceActions instance={instance} />
              <div className="two-columns">
                <Details instance={instance} />
                <StatusTimeline instance={instance} />
              </div>
              {instance.tasks && (
                <>
                  <TaskProgress app={app} instanceId={instance.id} counts={instance.tasks} live={live} />
                  <TaskList app={app} instanceId={instance.id} live={live} />
                </>
              )}
              <LogTail
                key={instance.id}
                app={app}
                instanceId={instance.id}
                live={live}
                followUntil={(instance.finishedTime ?? 0) + LOG_FOLLOW_AFTER_END_MS}
              />
            </>
          );
        }}
      </QueryView>
    </>
  );
}
