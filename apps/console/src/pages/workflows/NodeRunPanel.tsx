import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { keys } from '../../api/query-keys';
import type { WorkflowInstance, WorkflowNodeRun } from '../../api/workflow-types';
import { markNodeSucceeded } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { formatDuration } from '../../lib/format';
import { LOG_FOLLOW_AFTER_END_MS, LogTail } from '../instances/LogTail';

/** The clicked node of a run: where it stands, its job instance and that instance's log, Mark succeeded. */
export function NodeRunPanel({ instance, node }: { instance: WorkflowInstance; node: WorkflowNodeRun }) {
  const { app, can } = useCurrentApp();
  const queryClient = useQueryClient();
  const mark = useMutation({
    mutationFn: () => markNodeSucceeded(app, instance.id, node.id),
    onSuccess: (updated) => {
      queryClient.setQueryData([...keys.workflowInstances(app), 'one', instance.id], updated);
      void queryClient.invalidateQueries({ queryKey: keys.workflowInstances(app) });
    },
  });
  const failed = node.status === 'FAILED' || node.status === 'STOPPED';
  const live = node.status === 'RUNNING' || node.status === 'WAITING';

  return (
    <section className="node-run">
      <h2 id="node-run-title">
        Node {node.name || node.id} <StatusBadge status={node.status} />
      </h2>
      <dl className="details">
        <dt>Node ID</dt>
        <dd className="mono">{node.id}</dd>
        <dt>Type</dt>
        <dd>{node.type}</dd>
        <dt>Attempt</dt>
        <dd>{node.attempt}</dd>
        {node.jobId !== null && (
          <>
            <dt>Job</dt>
            <dd>
              <Link to={`/instances?jobId=${node.jobId}`}>Job {node.jobId}</Link>
            </dd>
          </>
        )}
        {node.instanceId !== null && (
          <>
            <dt>Job instance</dt>
            <dd>
              <Link to={`/instances/${node.instanceId}`}>Open job instance #{node.instanceId}</Link>
            </dd>
          </>
        )}
        {node.childInstanceId !== null && (
          <>
            <dt>Child run</dt>
            <dd>
              <Link to={`/workflow-instances/${node.childInstanceId}`}>Open workflow run #{node.childInstanceId}</Link>
            </dd>
          </>
        )}
        {node.decision !== null && (
          <>
            <dt>Decision</dt>
            <dd>{String(node.decision)}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>
          <Time value={node.startTime} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time value={node.endTime} />
          {node.startTime !== null && node.endTime !== null && ` (${formatDuration(node.endTime - node.startTime)})`}
        </dd>
        <dt>Reason</dt>
        <dd>{node.reason ?? '-'}</dd>
        <dt>Result</dt>
        <dd>
          <pre className="value">{node.result ?? '-'}</pre>
        </dd>
        {node.markedSucceeded && (
          <>
            <dt>Marked succeeded</dt>
            <dd>yes</dd>
          </>
        )}
      </dl>
      {/* In a nested child run, the parent's node is what gets marked (the API answers 409 here). */}
      {failed && can('operate') && instance.parentInstanceId === null && (
        <button type="button" className="primary" onClick={() => mark.mutate()} disabled={mark.isPending}>
          Mark succeeded
        </button>
      )}
      <ErrorMessage error={mark.error} />
      {node.instanceId !== null && (
        <LogTail
          key={node.instanceId}
          app={app}
          instanceId={node.instanceId}
          live={live}
          followUntil={(node.endTime ?? 0) + LOG_FOLLOW_AFTER_END_MS}
        />
      )}
    </section>
  );
}
