import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { keys } from '../../api/query-keys';
import type { Workflow, WorkflowDag, WorkflowInput } from '../../api/workflow-types';
import { createWorkflow, getWorkflow, updateWorkflow } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { splitFieldErrors } from '../../lib/field-errors';
import { NotFoundPage } from '../NotFoundPage';
import { dagErrorsOf, NO_DAG_ERRORS } from './dag/dag-errors';
import { dagToFlow, flowToDag } from './dag/dag-model';
import { DagEditor } from './dag/DagEditor';
import type { WfEdge, WfNode } from './dag/flow-types';
import { RunWorkflowDialog } from './RunWorkflowDialog';
import {
  EMPTY_WORKFLOW_FORM,
  formToWorkflowInput,
  WORKFLOW_FIELD_ALIASES,
  WORKFLOW_FORM_FIELDS,
  workflowToForm,
  type WorkflowFormField,
  type WorkflowFormValues,
} from './workflow-form-model';
import { WorkflowSettings } from './WorkflowSettings';
import { revealSaveError } from '../../lib/reveal-save-error';

const FORM_ID = 'workflow-form';

function WorkflowEditor({ app, workflow, readOnly }: { app: string; workflow?: Workflow; readOnly: boolean }) {
  const { can } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<WorkflowFormValues>(() =>
    workflow ? workflowToForm(workflow) : EMPTY_WORKFLOW_FORM,
  );
  const initial = useMemo(() => (workflow ? dagToFlow(workflow.dag) : { nodes: [], edges: [] }), [workflow]);
  const [nodes, setNodes] = useState<WfNode[]>(initial.nodes);
  const [edges, setEdges] = useState<WfEdge[]>(initial.edges);
  const [clientErrors, setClientErrors] = useState<Partial<Record<WorkflowFormField, string[]>>>({});
  const [sentDag, setSentDag] = useState<WorkflowDag>({ nodes: [], edges: [] });
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const [running, setRunning] = useState(false);

  const save = useMutation({
    mutationFn: (input: WorkflowInput) =>
      workflow ? updateWorkflow(app, workflow.id, input) : createWorkflow(app, input),
    onError: revealSaveError,
    onSuccess: async (saved) => {
      setSavedAt(new Date());
      await queryClient.invalidateQueries({ queryKey: keys.workflows(app) });
      if (!workflow) void navigate(`/workflows/${saved.id}`, { replace: true });
    },
  });

  const split = useMemo(() => splitFieldErrors(save.error, WORKFLOW_FORM_FIELDS, WORKFLOW_FIELD_ALIASES), [save.error]);
  const dagErrors = useMemo(
    () => (save.error ? dagErrorsOf(save.error, sentDag) : NO_DAG_ERRORS),
    [save.error, sentDag],
  );
  const fieldErrors = save.error ? { ...split.fields, ...clientErrors } : clientErrors;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const dag = flowToDag(nodes, edges);
    const result = formToWorkflowInput(values, dag);
    if ('errors' in result) {
      setClientErrors(result.errors);
      return;
    }
    setClientErrors({});
    setSentDag(dag);
    setSavedAt(null);
    save.mutate(result.input);
  };

  return (
    <>
      <PageHeader title={workflow ? `Workflow ${workflow.name}` : 'Create workflow'}>
        {workflow && (
          <Link to={`/workflow-instances?workflowId=${workflow.id}`} className="button-link">
            Runs
          </Link>
        )}
        {workflow && can('operate') && (
          <button type="button" onClick={() => setRunning(true)}>
            Run
          </button>
        )}
      </PageHeader>
      {readOnly && <p className="notice">Read only: your role on this app cannot edit workflows.</p>}
      {save.isError && split.general.length > 0 && (
        <ErrorMessage error={split.general} title="The workflow was not saved" />
      )}
      <form id={FORM_ID} onSubmit={submit} noValidate>
        <WorkflowSettings
          app={app}
          values={values}
          onChange={(changes) => setValues((v) => ({ ...v, ...changes }))}
          errors={fieldErrors}
          readOnly={readOnly}
        />
      </form>
      <section>
        <h2 id="dag-title">DAG</h2>
        <ReactFlowProvider>
          <DagEditor
            app={app}
            workflowId={workflow?.id}
            nodes={nodes}
            edges={edges}
            setNodes={setNodes}
            setEdges={setEdges}
            errors={dagErrors}
            readOnly={readOnly}
          />
        </ReactFlowProvider>
      </section>
      {!readOnly && (
        <div className="form-actions">
          <button type="submit" form={FORM_ID} className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={() => void navigate('/workflows')}>
            Cancel
          </button>
          {savedAt && (
            <span role="status" className="saved">
              Saved at {savedAt.toLocaleTimeString()}
            </span>
          )}
        </div>
      )}
      {running && workflow && (
        <RunWorkflowDialog workflowId={workflow.id} name={workflow.name} onClose={() => setRunning(false)} />
      )}
    </>
  );
}

/** /workflows/new and /workflows/:id: the workflow's settings and its DAG editor. */
export default function WorkflowEditorPage() {
  const { app, can } = useCurrentApp();
  const params = useParams();
  const id = params.id === undefined ? undefined : Number(params.id);
  const valid = id === undefined || (Number.isInteger(id) && id > 0);
  const query = useQuery({
    // The editor's own entry, dropped when it closes (gcTime 0): opening it always reads the workflow as it is now,
    // never a copy cached by an earlier visit that a save would then write over someone else's changes with.
    queryKey: [...keys.workflows(app), 'edit', id],
    queryFn: () => getWorkflow(app, id!),
    enabled: id !== undefined && valid,
    gcTime: 0,
    // While open, no refresh under the user's hands.
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  if (!valid) return <NotFoundPage />;
  if (id === undefined) {
    if (!can('develop')) return <NotFoundPage />;
    return <WorkflowEditor app={app} readOnly={false} />;
  }
  return (
    <QueryView query={query} what="the workflow">
      {(workflow) => <WorkflowEditor key={workflow.id} app={app} workflow={workflow} readOnly={!can('develop')} />}
    </QueryView>
  );
}
