import { useQuery } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { keys } from '../../api/query-keys';
import type { WorkflowInstance } from '../../api/workflow-types';
import { getWorkflow, getWorkflowInstance } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { NotFoundPage } from '../NotFoundPage';
import { DagRunView } from './dag/DagRunView';
import { NodeRunPanel } from './NodeRunPanel';
import { isFinalRun, WorkflowRunActions } from './WorkflowRunActions';

function RunView({ instance }: { instance: WorkflowInstance }) {
  const { app } = useCurrentApp();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const workflow = useQuery({
    queryKey: [...keys.workflows(app), 'one', instance.workflowId],
    queryFn: () => getWorkflow(app, instance.workflowId),
    staleTime: 60_000,
  });
  const selected = instance.nodes.find((n) => n.id === selectedId);
  return (
    <>
      <WorkflowRunActions instance={instance} />
      <dl className="details inline">
        <dt>Workflow</dt>
        <dd>
          <Link to={`/workflows/${instance.workflowId}`}>
            {workflow.data?.name ?? `Workflow ${instance.workflowId}`}
          </Link>
        </dd>
        <dt>Due</dt>
        <dd>
          <Time value={instance.expectedTriggerTime} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={instance.actualTriggerTime} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time value={instance.finishedTime} />
        </dd>
        {instance.statusReason && (
          <>
            <dt>Reason</dt>
            <dd>{instance.statusReason}</dd>
          </>
        )}
        {instance.parentInstanceId !== null && (
          <>
            <dt>Parent run</dt>
            <dd>
              <Link to={`/workflow-instances/${instance.parentInstanceId}`}>#{instance.parentInstanceId}</Link>
            </dd>
          </>
        )}
      </dl>
      <div className="dag-main">
        <ReactFlowProvider>
          <DagRunView
            instance={instance}
            definitions={workflow.data?.dag.nodes ?? []}
            selectedId={selectedId}
            onSelect={setSelectedId}
          />
        </ReactFlowProvider>
        <aside className="dag-panel">
          {selected ? (
            <NodeRunPanel instance={instance} node={selected} />
          ) : (
            <p className="muted">Select a node to see its job instance and log.</p>
          )}
        </aside>
      </div>
      <details className="context">
        <summary>Context</summary>
        <pre className="value">{JSON.stringify(instance.context, null, 2)}</pre>
      </details>
    </>
  );
}

/** /workflow-instances/:id: the run's DAG coloured by node status, polled every second until it ends. */
export default function WorkflowInstancePage() {
  const { app } = useCurrentApp();
  const id = Number(useParams().id);
  const valid = Number.isInteger(id) && id > 0;
  const query = useQuery({
    queryKey: [...keys.workflowInstances(app), 'one', id],
    queryFn: () => getWorkflowInstance(app, id),
    // Stops once final, and on an error (a 404 or 403 polled every second would only repeat itself).
    refetchInterval: (q) => (q.state.status === 'error' || (q.state.data && isFinalRun(q.state.data)) ? false : 1_000),
    enabled: valid,
  });
  if (!valid) return <NotFoundPage />;
  return (
    <>
      <PageHeader title={`Workflow run #${id}`}>{query.data && <StatusBadge status={query.data.status} />}</PageHeader>
      <QueryView query={query} what="the workflow run">
        {(instance) => <RunView instance={instance} />}
      </QueryView>
    </>
  );
}
