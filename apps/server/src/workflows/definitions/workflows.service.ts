import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  canonicalTimeZone,
  TimeExpressionError,
  validateTimeExpression,
  WorkflowNodeType,
  type WorkflowDag,
} from '@jobnest/common';
import { WorkflowInfoEntity } from '@jobnest/persistence';
import type { Page } from '../../jobs/job.dto';
import { JobQuotas, QuotaExceededException } from '../../jobs/job-quotas';
import { WorkflowLauncher } from '../../launch/workflow-launcher.service';
import { ServerConfig } from '../../platform/config/server-config';
import { TimerSyncService } from '../../timers/timer-sync.service';
import { InvalidWorkflowError } from './dag-shape';
import { WORKFLOW_DEFAULTS, type RunWorkflowDto, type WorkflowInputDto, type WorkflowView } from './workflow.dto';
import { WorkflowValidation } from './workflow-validation';
import { toWorkflowView } from './workflow-view.mapper';

/** Workflow definitions of one app: validation, CRUD scoped to the app, timers mirrored at once, and runs. */
@Injectable()
export class WorkflowsService {
  private readonly logger = new Logger(WorkflowsService.name);

  constructor(
    @InjectRepository(WorkflowInfoEntity) private readonly workflows: Repository<WorkflowInfoEntity>,
    private readonly validation: WorkflowValidation,
    private readonly quotas: JobQuotas,
    private readonly timers: TimerSyncService,
    private readonly launcher: WorkflowLauncher,
    private readonly config: ServerConfig,
  ) {}

  async create(appId: number, input: WorkflowInputDto): Promise<WorkflowView> {
    const count = await this.workflows.countBy({ appId });
    if (count >= this.config.maxJobsPerApp) {
      throw new QuotaExceededException(
        `this app has ${count} workflows, the most this server allows (JOBNEST_MAX_JOBS_PER_APP=${this.config.maxJobsPerApp}); delete one first`,
      );
    }
    const workflow = this.workflows.create({ appId, skippedSlots: 0, misfiredSlots: 0, lastCountedSlot: null });
    await this.apply(workflow, input, undefined);
    return this.saveAndSync(workflow);
  }

  async replace(appId: number, id: number, input: WorkflowInputDto): Promise<WorkflowView> {
    const workflow = await this.findOwned(appId, id);
    await this.apply(workflow, input, id);
    return this.saveAndSync(workflow);
  }

  async list(appId: number, page: number, size: number): Promise<Page<WorkflowView>> {
    const [rows, total] = await this.workflows.findAndCount({
      where: { appId },
      order: { id: 'ASC' },
      skip: (page - 1) * size,
      take: size,
    });
    return { items: rows.map(toWorkflowView), total, page, size };
  }

  async get(appId: number, id: number): Promise<WorkflowView> {
    return toWorkflowView(await this.findOwned(appId, id));
  }

  async setEnabled(appId: number, id: number, enabled: boolean): Promise<WorkflowView> {
    const workflow = await this.findOwned(appId, id);
    workflow.enabled = enabled;
    return this.saveAndSync(workflow);
  }

  /** Deletes the definition (409 while another workflow nests it); its instances stay for history and run on. */
  async delete(appId: number, id: number): Promise<void> {
    const workflow = await this.findOwned(appId, id);
    const users = (await this.workflows.findBy({ appId })).filter((w) =>
      w.dag.nodes.some((n) => n.type === WorkflowNodeType.NESTED_WORKFLOW && n.workflowId === id),
    );
    if (users.length > 0) {
      throw new ConflictException(
        `workflow ${id} is nested in workflow ${users.map((w) => w.id).join(', ')}: change those first`,
      );
    }
    await this.workflows.delete({ id: workflow.id });
    await this.timers
      .removeWorkflow(workflow.id)
      .catch((err: unknown) =>
        this.logger.warn(
          `timer of deleted workflow ${workflow.id} not removed yet (the reconciler will): ${String(err)}`,
        ),
      );
  }

  /** Runs the workflow now or after delayMs; 409 when maxInstances unfinished instances exist. */
  async run(appId: number, id: number, input: RunWorkflowDto): Promise<number> {
    const workflow = await this.findOwned(appId, id);
    const initParams = input.initParams ?? null;
    if (initParams !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(initParams);
      } catch {
        throw new BadRequestException('initParams must be a JSON object (as a string), e.g. {"date":"2026-11-30"}');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new BadRequestException('initParams must be a JSON object (as a string), e.g. {"date":"2026-11-30"}');
      if (Buffer.byteLength(initParams) > this.config.workflowContextMaxBytes)
        throw new BadRequestException(
          `initParams is ${Buffer.byteLength(initParams)} bytes, over JOBNEST_WORKFLOW_CONTEXT_MAX_BYTES=${this.config.workflowContextMaxBytes}`,
        );
    }
    return this.launcher.run(workflow, { initParams, delayMs: input.delayMs ?? 0 });
  }

  /** Another app's workflow answers 404 like a missing one. */
  async findOwned(appId: number, id: number): Promise<WorkflowInfoEntity> {
    const workflow = await this.workflows.findOneBy({ id, appId });
    if (!workflow) throw new NotFoundException(`workflow ${id} not found`);
    return workflow;
  }

  private async apply(workflow: WorkflowInfoEntity, input: WorkflowInputDto, id: number | undefined): Promise<void> {
    const timeZone = input.timeZone ?? WORKFLOW_DEFAULTS.timeZone;
    let timeExpression: string | null;
    try {
      timeExpression = validateTimeExpression(input.timeExpressionType, input.timeExpression, timeZone);
    } catch (err) {
      if (err instanceof TimeExpressionError) throw new BadRequestException(err.message);
      throw err;
    }
    this.quotas.assertTimerInterval(input.timeExpressionType, timeExpression, timeZone);
    const start = input.lifecycle?.start ?? null;
    const end = input.lifecycle?.end ?? null;
    if (start !== null && end !== null && start >= end) {
      throw new BadRequestException('lifecycle.start must be before lifecycle.end');
    }
    const dag: WorkflowDag = {
      nodes: input.dag.nodes.map((n) => ({ ...n })),
      edges: input.dag.edges.map((e) => ({
        from: e.from,
        to: e.to,
        ...(e.label !== undefined ? { label: e.label } : {}),
      })),
    };
    try {
      await this.validation.check(workflow.appId, dag, id);
    } catch (err) {
      if (err instanceof InvalidWorkflowError) throw new BadRequestException(`dag: ${err.message}`);
      throw err;
    }
    Object.assign(workflow, {
      name: input.name,
      description: input.description ?? WORKFLOW_DEFAULTS.description,
      dag,
      timeExpressionType: input.timeExpressionType,
      timeExpression,
      timeZone: canonicalTimeZone(timeZone),
      lifecycleStart: start,
      lifecycleEnd: end,
      enabled: input.enabled ?? WORKFLOW_DEFAULTS.enabled,
      maxInstances: input.maxInstances ?? WORKFLOW_DEFAULTS.maxInstances,
      overlapPolicy: input.overlapPolicy ?? WORKFLOW_DEFAULTS.overlapPolicy,
      overlapBufferLimit: input.overlapBufferLimit ?? WORKFLOW_DEFAULTS.overlapBufferLimit,
      continueOnFailure: input.continueOnFailure ?? WORKFLOW_DEFAULTS.continueOnFailure,
    });
  }

  private async saveAndSync(workflow: WorkflowInfoEntity): Promise<WorkflowView> {
    const saved = await this.workflows.save(workflow);
    await this.timers
      .syncWorkflow(saved)
      .catch((err: unknown) =>
        this.logger.warn(`timer of workflow ${saved.id} not synced yet (the reconciler will): ${String(err)}`),
      );
    return toWorkflowView(saved);
  }
}
