import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@jobnest/transport';
import { ServerConfig } from '../../platform/config/server-config';
import { RedisConnections } from '../../platform/redis/redis-connections.service';
import type { AlarmEvent } from '../alarm-event';
import { EVALUATE_EVENT, FLUSH_HELD, RECOVER } from './alarm-gate-scripts';

/** How long an evaluated event is remembered, so a server raising it late does not alarm twice. */
const SEEN_TTL_MS = 3600 * 1000;

/** The loudness settings of a rule the gate applies. */
export interface GateRule {
  id: number;
  thresholdCount: number;
  thresholdWindowMs: number;
  silenceMs: number;
}

export type GateDecision =
  | { outcome: 'dup' | 'below' }
  | { outcome: 'held'; heldSoFar: number; silentUntil: number; period: string }
  | { outcome: 'alarm'; heldBefore: number };

type Args = (string | number)[];
/** The scripts, defined on the gate's connection (EVALSHA: the script text is sent once, not per call). */
interface GateCommands {
  alarmEvaluate(...args: Args): Promise<unknown>;
  alarmFlush(...args: Args): Promise<unknown>;
  alarmRecover(...args: Args): Promise<unknown>;
}
/** The same, queued on a pipeline. */
interface GatePipeline extends ChainableCommander {
  alarmEvaluate(...args: Args): GatePipeline;
  alarmRecover(...args: Args): GatePipeline;
}

/**
 * Decides in Redis, atomically and the same for every server, what each event does under its rule: the threshold
 * (N events within a window), the silence period after an alarm (events counted, not sent), and the recovery mark.
 * One round trip per batch of events (a pipeline), on a connection of its own so an alarm storm never queues
 * behind, or in front of, the dispatcher's and the report consumers' commands.
 */
@Injectable()
export class AlarmGate {
  private readonly redis: RedisClient & GateCommands;

  constructor(
    connections: RedisConnections,
    private readonly config: ServerConfig,
  ) {
    const redis = connections.dedicatedConnection('alarms');
    redis.defineCommand('alarmEvaluate', { numberOfKeys: 6, lua: EVALUATE_EVENT });
    redis.defineCommand('alarmFlush', { numberOfKeys: 4, lua: FLUSH_HELD });
    redis.defineCommand('alarmRecover', { numberOfKeys: 4, lua: RECOVER });
    this.redis = redis as RedisClient & GateCommands;
  }

  async evaluate(
    items: readonly { rule: GateRule; event: AlarmEvent; marksFailing: boolean }[],
  ): Promise<GateDecision[]> {
    if (items.length === 0) return [];
    const now = Date.now();
    const calls = items.map(({ rule, event, marksFailing }): Args => {
      const k = this.keys(rule.id, event.subject);
      return [
        `${k}:seen:${event.key}`,
        `${k}:window`,
        `${k}:silent`,
        `${k}:held`,
        `${k}:last`,
        `${k}:failing`,
        now,
        rule.thresholdCount,
        rule.thresholdWindowMs,
        rule.silenceMs,
        SEEN_TTL_MS,
        event.key,
        marksFailing ? '1' : '0',
        JSON.stringify(event),
      ];
    });
    return (await this.callMany('alarmEvaluate', calls)).map((reply) => {
      const [outcome, n, until, period] = reply as [string, number, number, string | null];
      if (outcome === 'held')
        return { outcome, heldSoFar: Number(n), silentUntil: Number(until), period: String(period ?? '') };
      if (outcome === 'alarm') return { outcome, heldBefore: Number(n) };
      return { outcome: outcome === 'below' ? 'below' : 'dup' };
    });
  }

  /**
   * The end of the silence period `period`: what it held back (and the latest such event), or undefined when there
   * is nothing to report. Asked again (a retry), it answers the same.
   */
  async flushHeld(
    rule: GateRule,
    subject: string,
    period: string,
  ): Promise<{ held: number; last: AlarmEvent } | undefined> {
    const k = this.keys(rule.id, subject);
    const reply = String(
      await this.redis.alarmFlush(
        `${k}:silent`,
        `${k}:held`,
        `${k}:last`,
        `${k}:summary:${period}`,
        Date.now(),
        rule.silenceMs,
        period,
      ),
    );
    const newline = reply.indexOf('\n');
    if (newline < 0) return undefined;
    return { held: Number(reply.slice(0, newline)), last: JSON.parse(reply.slice(newline + 1)) as AlarmEvent };
  }

  /** Successes of subjects (ruleId, subject): for each, the events held back when it recovers now, else undefined. */
  async recover(items: readonly { ruleId: number; subject: string }[]): Promise<(number | undefined)[]> {
    if (items.length === 0) return [];
    const calls = items.map(({ ruleId, subject }): Args => {
      const k = this.keys(ruleId, subject);
      return [`${k}:silent`, `${k}:held`, `${k}:last`, `${k}:failing`];
    });
    return (await this.callMany('alarmRecover', calls)).map((reply) => (Number(reply) < 0 ? undefined : Number(reply)));
  }

  /**
   * One script call per item, in one round trip: a pipeline on a single Redis. On a cluster a pipeline must stay
   * within one slot, and each item has its own hash tag, so the calls go out together and each reaches its node.
   */
  private async callMany(command: 'alarmEvaluate' | 'alarmRecover', calls: Args[]): Promise<unknown[]> {
    if (this.redis.isCluster) return Promise.all(calls.map((args) => this.redis[command](...args)));
    const pipeline = this.redis.pipeline() as GatePipeline;
    for (const args of calls) pipeline[command](...args);
    return ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  }

  /** One hash tag per (rule, subject): every key of a script call lives in one Redis Cluster slot. */
  private keys(ruleId: number, subject: string): string {
    return `${this.config.prefix}:alarm:{r${ruleId}:${subject}}`;
  }
}
