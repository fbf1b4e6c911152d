import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../../platform/config/server-config';
import { RedisConnections } from '../../platform/redis/redis-connections.service';
import type { AlarmEvent } from '../alarm-event';
import { EVALUATE_EVENT, FLUSH_HELD, RECOVER } from './alarm-gate-scripts';

/** How long an evaluated event is remembered, so a server raising it late does not alarm twice. */
const SEEN_TTL_MS = 24 * 3600 * 1000;

/** The loudness settings of a rule the gate applies. */
export interface GateRule {
  id: number;
  thresholdCount: number;
  thresholdWindowMs: number;
  silenceMs: number;
}

export type GateDecision =
  | { outcome: 'dup' | 'below' }
  | { outcome: 'held'; heldSoFar: number; silentUntil: number }
  | { outcome: 'alarm'; heldBefore: number };

/**
 * Decides in Redis, atomically and the same for every server, what each event does under its rule: the threshold
 * (N events within a window), the silence period after an alarm (events counted, not sent), and the recovery mark.
 * One round trip per batch of events (a pipeline of scripts).
 */
@Injectable()
export class AlarmGate {
  constructor(
    private readonly connections: RedisConnections,
    private readonly config: ServerConfig,
  ) {}

  async evaluate(
    items: readonly { rule: GateRule; event: AlarmEvent; marksFailing: boolean }[],
  ): Promise<GateDecision[]> {
    if (items.length === 0) return [];
    const pipeline = this.connections.commands.pipeline();
    const now = Date.now();
    for (const { rule, event, marksFailing } of items) {
      const k = this.keys(rule.id, event.subject);
      pipeline.eval(
        EVALUATE_EVENT,
        6,
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
      );
    }
    return ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      const [outcome, n, until] = reply as [string, number, number];
      if (outcome === 'held') return { outcome, heldSoFar: Number(n), silentUntil: Number(until) };
      if (outcome === 'alarm') return { outcome, heldBefore: Number(n) };
      return { outcome: outcome === 'below' ? 'below' : 'dup' };
    });
  }

  /** The end of a silence period: what it held back (and the latest such event), or undefined when nothing. */
  async flushHeld(rule: GateRule, subject: string): Promise<{ held: number; last: AlarmEvent } | undefined> {
    const k = this.keys(rule.id, subject);
    const [held, last] = (await this.connections.commands.eval(
      FLUSH_HELD,
      3,
      `${k}:silent`,
      `${k}:held`,
      `${k}:last`,
      Date.now(),
      rule.silenceMs,
    )) as [number, string];
    return Number(held) > 0 ? { held: Number(held), last: JSON.parse(last) as AlarmEvent } : undefined;
  }

  /** Successes of subjects (ruleId, subject): for each, the events held back when it recovers now, else undefined. */
  async recover(items: readonly { ruleId: number; subject: string }[]): Promise<(number | undefined)[]> {
    if (items.length === 0) return [];
    const pipeline = this.connections.commands.pipeline();
    for (const { ruleId, subject } of items) {
      const k = this.keys(ruleId, subject);
      pipeline.eval(RECOVER, 4, `${k}:silent`, `${k}:held`, `${k}:last`, `${k}:failing`);
    }
    return ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return Number(reply) < 0 ? undefined : Number(reply);
    });
  }

  /** One hash tag per (rule, subject): every key of a script call lives in one Redis Cluster slot. */
  private keys(ruleId: number, subject: string): string {
    return `${this.config.prefix}:alarm:{r${ruleId}:${subject}}`;
  }
}
