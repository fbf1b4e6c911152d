import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AlarmEventType, AlarmRuleScope } from '@jobnest/common';
import { AlarmRuleEntity } from '@jobnest/persistence';
import { ServerConfig } from '../../platform/config/server-config';
import { RedisConnections } from '../../platform/redis/redis-connections.service';

/** The rules of one app, by what they are set on. */
export interface AppRules {
  byJob: ReadonlyMap<number, AlarmRuleEntity>;
  byWorkflow: ReadonlyMap<number, AlarmRuleEntity>;
  appDefault: AlarmRuleEntity | undefined;
  /** Some enabled rule of the app asks for recovery alarms. */
  anyRecovery: boolean;
}

const NO_RULES: AppRules = { byJob: new Map(), byWorkflow: new Map(), appDefault: undefined, anyRecovery: false };

/**
 * The alarm rules of each app, kept in memory and read again only when they changed: every change (on any server)
 * bumps the app's version in one Redis hash, and a batch of events costs one HMGET of the versions of its apps.
 * So a rule saved on one server governs the next event on every server. Disabled rules are kept too: a job's
 * disabled rule mutes the job (it does not fall back to the app's default).
 */
@Injectable()
export class AlarmRuleBook {
  private readonly cache = new Map<number, { version: string; rules: AppRules }>();
  private refreshedOnce = false;

  constructor(
    @InjectRepository(AlarmRuleEntity) private readonly rules: Repository<AlarmRuleEntity>,
    private readonly connections: RedisConnections,
    private readonly config: ServerConfig,
  ) {}

  /** The rules of these apps, as they are now (one Redis round trip, one query per app whose rules changed). */
  async forApps(appIds: Iterable<number>): Promise<Map<number, AppRules>> {
    const ids = [...new Set(appIds)];
    const found = new Map<number, AppRules>();
    if (ids.length === 0) return found;
    const versions = await this.connections.commands.hmget(this.versionsKey(), ...ids.map(String));
    for (const [i, appId] of ids.entries()) {
      const version = versions[i] ?? '0';
      const cached = this.cache.get(appId);
      if (cached && cached.version === version) {
        found.set(appId, cached.rules);
        continue;
      }
      const rules = await this.read(appId);
      this.cache.set(appId, { version, rules });
      found.set(appId, rules);
    }
    return found;
  }

  /**
   * Reads the rules of every app whose version changed since this server last read them (one HGETALL, then one
   * query per changed app): keeps mayRecover() true to the rules within a refresh period.
   */
  async refreshChanged(): Promise<void> {
    const versions = await this.connections.commands.hgetall(this.versionsKey());
    for (const [app, version] of Object.entries(versions)) {
      const appId = Number(app);
      if (this.cache.get(appId)?.version !== version) this.cache.set(appId, { version, rules: await this.read(appId) });
    }
    this.refreshedOnce = true;
  }

  /** Whether some rule of the app may ask for recovery alarms (true until the rules were read once). */
  mayRecover(appId: number): boolean {
    return !this.refreshedOnce || (this.cache.get(appId)?.rules.anyRecovery ?? false);
  }

  /** After a change to an app's rules or channels is committed: every server reads them again. */
  async changed(appId: number): Promise<void> {
    await this.connections.commands.hincrby(this.versionsKey(), String(appId), 1);
  }

  private versionsKey(): string {
    return this.config.keys.alarmRuleVersions;
  }

  private async read(appId: number): Promise<AppRules> {
    const rows = await this.rules.findBy({ appId });
    if (rows.length === 0) return NO_RULES;
    const byJob = new Map<number, AlarmRuleEntity>();
    const byWorkflow = new Map<number, AlarmRuleEntity>();
    let appDefault: AlarmRuleEntity | undefined;
    for (const rule of rows) {
      if (rule.scope === AlarmRuleScope.JOB) byJob.set(rule.targetId, rule);
      else if (rule.scope === AlarmRuleScope.WORKFLOW) byWorkflow.set(rule.targetId, rule);
      else appDefault = rule;
    }
    return { byJob, byWorkflow, appDefault, anyRecovery: rows.some((r) => r.enabled && r.notifyRecovery) };
  }
}

/**
 * The rule that governs a job's events: its own rule, else the app's default. A run as a workflow node is the
 * workflow's business (its WORKFLOW_FAILED alarm names the node), unless the job's own rule includes workflow nodes.
 */
export function ruleForJob(
  rules: AppRules | undefined,
  jobId: number,
  asWorkflowNode: boolean,
): AlarmRuleEntity | undefined {
  const own = rules?.byJob.get(jobId);
  if (asWorkflowNode) return own?.includeWorkflowNodes ? own : undefined;
  return own ?? rules?.appDefault;
}

/** A workflow's own rule, else the app's default. */
export function ruleForWorkflow(rules: AppRules | undefined, workflowId: number): AlarmRuleEntity | undefined {
  return rules?.byWorkflow.get(workflowId) ?? rules?.appDefault;
}

/** Whether the rule alarms on this kind of event (RECOVERED: when it asks for recovery alarms). */
export function ruleWants(rule: AlarmRuleEntity | undefined, type: AlarmEventType): rule is AlarmRuleEntity {
  if (!rule || !rule.enabled) return false;
  return type === AlarmEventType.RECOVERED ? rule.notifyRecovery : rule.events.includes(type);
}
