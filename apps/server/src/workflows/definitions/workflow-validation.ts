import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { WorkflowNodeType, type WorkflowDag, type WorkflowNodeDefinition } from '@jobnest/common';
import { JobInfoEntity, WorkflowInfoEntity } from '@jobnest/persistence';
import { ServerConfig } from '../../platform/config/server-config';
import { checkDagShape, InvalidWorkflowError } from './dag-shape';
import { compileDecision, DecisionExpressionError } from './decision-expression';

/**
 * Everything a DAG must be before it is saved, beyond its field shapes: its shape (dag-shape.ts), its jobs and
 * nested workflows belonging to the app, its CEL compiling, and no cycle or chain deeper than
 * JOBNEST_WORKFLOW_MAX_NESTING through nested workflows. Throws InvalidWorkflowError naming the problem.
 */
@Injectable()
export class WorkflowValidation {
  constructor(
    private readonly config: ServerConfig,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    @InjectRepository(WorkflowInfoEntity) private readonly workflows: Repository<WorkflowInfoEntity>,
  ) {}

  /** `workflowId`: the workflow being replaced (undefined for a new one). */
  async check(appId: number, dag: WorkflowDag, workflowId: number | undefined): Promise<void> {
    checkDagShape(dag);
    for (const node of dag.nodes) {
      if (node.type !== WorkflowNodeType.DECISION) continue;
      try {
        compileDecision(node.expression ?? '');
      } catch (err) {
        if (err instanceof DecisionExpressionError)
          throw new InvalidWorkflowError(`node '${node.id}': expression does not compile: ${err.message}`);
        throw err;
      }
    }
    await this.checkJobs(appId, dag.nodes);
    await this.checkNesting(appId, dag, workflowId);
  }

  private async checkJobs(appId: number, nodes: WorkflowNodeDefinition[]): Promise<void> {
    const wanted = [...new Set(nodes.filter((n) => n.type === WorkflowNodeType.JOB).map((n) => n.jobId!))];
    if (wanted.length === 0) return;
    const found = new Set(
      (await this.jobs.find({ select: { id: true }, where: { id: In(wanted), appId } })).map((j) => j.id),
    );
    const missing = nodes.find((n) => n.type === WorkflowNodeType.JOB && !found.has(n.jobId!));
    if (missing)
      throw new InvalidWorkflowError(`node '${missing.id}': job ${missing.jobId} does not exist in this app`);
  }

  /** Walks the nested workflows from this one: refuses one of another app, a cycle, or a chain too deep. */
  private async checkNesting(appId: number, dag: WorkflowDag, workflowId: number | undefined): Promise<void> {
    if (!dag.nodes.some((n) => n.type === WorkflowNodeType.NESTED_WORKFLOW)) return;
    const all = await this.workflows.find({ select: { id: true, dag: true }, where: { appId } });
    const dags = new Map(all.map((w) => [w.id, w.dag]));
    const self = workflowId ?? 0; // a new workflow has no id yet: nothing can refer to it
    dags.set(self, dag);
    const children = (d: WorkflowDag) =>
      d.nodes.filter((n) => n.type === WorkflowNodeType.NESTED_WORKFLOW).map((n) => ({ node: n, id: n.workflowId! }));
    for (const { node, id } of children(dag)) {
      if (!dags.has(id) || id === 0)
        throw new InvalidWorkflowError(`node '${node.id}': workflow ${id} does not exist in this app`);
    }
    const maxDepth = this.config.workflowMaxNesting;
    const named = (path: number[]) => path.map((w) => (w === 0 ? 'this workflow' : `workflow ${w}`)).join(' -> ');
    const walk = (id: number, path: number[]): void => {
      // path[0] is this workflow: path.length - 1 nesting levels below it (a child instance runs at depth 1).
      if (path.length - 1 > maxDepth) {
        throw new InvalidWorkflowError(
          `nested workflows go deeper than ${maxDepth} levels (JOBNEST_WORKFLOW_MAX_NESTING): ${named(path)}`,
        );
      }
      for (const { id: child } of children(dags.get(id) ?? { nodes: [], edges: [] })) {
        if (child === self || path.includes(child)) {
          throw new InvalidWorkflowError(`nested workflows form a cycle: ${named([...path, child])}`);
        }
        walk(child, [...path, child]);
      }
    };
    walk(self, [self]);
  }
}
