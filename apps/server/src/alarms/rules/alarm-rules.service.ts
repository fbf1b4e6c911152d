import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AlarmChannelType, AlarmRuleScope, DEFAULT_ALARM_EVENTS } from '@jobnest/common';
import {
  AlarmChannelEntity,
  AlarmRuleEntity,
  isDuplicateEntry,
  JobInfoEntity,
  WorkflowInfoEntity,
} from '@jobnest/persistence';
import { EMAIL_ADDRESS } from '../../platform/config/alarm-settings';
import { AlarmRuleBook } from './alarm-rule-book';
import {
  ALARM_RULE_DEFAULTS,
  type AlarmRuleInputDto,
  type AlarmRuleSettingsDto,
  type AlarmRuleView,
} from './alarm-rule.dto';

/** An app's alarm rules: one per job, one per workflow, one default; each names channels of the same app. */
@Injectable()
export class AlarmRulesService {
  constructor(
    @InjectRepository(AlarmRuleEntity) private readonly rules: Repository<AlarmRuleEntity>,
    @InjectRepository(AlarmChannelEntity) private readonly channels: Repository<AlarmChannelEntity>,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    @InjectRepository(WorkflowInfoEntity) private readonly workflows: Repository<WorkflowInfoEntity>,
    private readonly book: AlarmRuleBook,
  ) {}

  async list(appId: number): Promise<AlarmRuleView[]> {
    return (await this.rules.find({ where: { appId }, order: { id: 'ASC' } })).map(ruleView);
  }

  async get(appId: number, id: number): Promise<AlarmRuleView> {
    return ruleView(await this.find(appId, id));
  }

  async create(appId: number, input: AlarmRuleInputDto): Promise<AlarmRuleView> {
    const targetId = await this.target(appId, input.scope, input.targetId);
    const now = Date.now();
    const rule = this.rules.create({ appId, scope: input.scope, targetId, createdTime: now, updatedTime: now });
    await this.apply(appId, rule, input);
    try {
      await this.rules.save(rule);
    } catch (err) {
      if (isDuplicateEntry(err)) {
        const what = input.scope === AlarmRuleScope.APP ? 'the app' : `${input.scope.toLowerCase()} ${targetId}`;
        throw new ConflictException(`targetId: ${what} has an alarm rule already: change that one (PUT)`);
      }
      throw err;
    }
    await this.book.changed(appId);
    return ruleView(rule);
  }

  async replace(appId: number, id: number, input: AlarmRuleSettingsDto): Promise<AlarmRuleView> {
    const rule = await this.find(appId, id);
    await this.apply(appId, rule, input);
    rule.updatedTime = Date.now();
    await this.rules.save(rule);
    await this.book.changed(appId);
    return ruleView(rule);
  }

  async delete(appId: number, id: number): Promise<void> {
    await this.find(appId, id);
    await this.rules.delete({ id, appId });
    await this.book.changed(appId);
  }

  private async find(appId: number, id: number): Promise<AlarmRuleEntity> {
    const rule = await this.rules.findOneBy({ id, appId });
    if (!rule) throw new NotFoundException(`alarm rule ${id} not found`);
    return rule;
  }

  /** The stored target id: the app's job or workflow (checked), 0 for the app's default. */
  private async target(appId: number, scope: AlarmRuleScope, targetId: number | undefined): Promise<number> {
    if (scope === AlarmRuleScope.APP) {
      if (targetId !== undefined) throw new BadRequestException('targetId: an APP rule has no target');
      return 0;
    }
    if (targetId === undefined)
      throw new BadRequestException(`targetId: a ${scope} rule needs the ${scope.toLowerCase()} id`);
    const exists =
      scope === AlarmRuleScope.JOB
        ? await this.jobs.existsBy({ id: targetId, appId })
        : await this.workflows.existsBy({ id: targetId, appId });
    if (!exists)
      throw new BadRequestException(`targetId: ${scope.toLowerCase()} ${targetId} does not exist in this app`);
    return targetId;
  }

  private async apply(appId: number, rule: AlarmRuleEntity, input: AlarmRuleSettingsDto): Promise<void> {
    const channelIds = [...new Set(input.channelIds)];
    const channels = await this.channels.findBy({ appId, id: In(channelIds) });
    channelIds.forEach((id, i) => {
      if (!channels.some((c) => c.id === id))
        throw new BadRequestException(`channelIds.${i}: channel ${id} does not exist in this app`);
    });
    const recipients = [...new Set(input.recipients ?? [])];
    if (
      channels.some((c) => c.type === AlarmChannelType.EMAIL) &&
      channels.every((c) => c.type === AlarmChannelType.EMAIL)
    ) {
      recipients.forEach((r, i) => {
        if (!EMAIL_ADDRESS.test(r)) throw new BadRequestException(`recipients.${i}: '${r}' is not an email address`);
      });
    }
    if (input.includeWorkflowNodes && rule.scope !== AlarmRuleScope.JOB)
      throw new BadRequestException('includeWorkflowNodes: only a JOB rule takes it');
    Object.assign(rule, {
      events: [...new Set(input.events ?? DEFAULT_ALARM_EVENTS)],
      channelIds,
      recipients,
      thresholdCount: input.thresholdCount ?? ALARM_RULE_DEFAULTS.thresholdCount,
      thresholdWindowMs: input.thresholdWindowMs ?? ALARM_RULE_DEFAULTS.thresholdWindowMs,
      silenceMs: input.silenceMs ?? ALARM_RULE_DEFAULTS.silenceMs,
      notifyRecovery: input.notifyRecovery ?? ALARM_RULE_DEFAULTS.notifyRecovery,
      includeWorkflowNodes: input.includeWorkflowNodes ?? ALARM_RULE_DEFAULTS.includeWorkflowNodes,
      enabled: input.enabled ?? ALARM_RULE_DEFAULTS.enabled,
    });
  }
}

export function ruleView(r: AlarmRuleEntity): AlarmRuleView {
  return {
    id: r.id,
    scope: r.scope,
    targetId: r.scope === AlarmRuleScope.APP ? null : r.targetId,
    events: r.events,
    channelIds: r.channelIds,
    recipients: r.recipients,
    thresholdCount: r.thresholdCount,
    thresholdWindowMs: r.thresholdWindowMs,
    silenceMs: r.silenceMs,
    notifyRecovery: r.notifyRecovery,
    includeWorkflowNodes: r.includeWorkflowNodes,
    enabled: r.enabled,
    createdTime: r.createdTime,
    updatedTime: r.updatedTime,
  };
}
