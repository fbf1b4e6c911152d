import { AlarmEventType } from '@jobnest/common';
import type { AlarmEvent, AlarmMessage } from '../alarm-event';

/**
 * What every channel shows of one alarm, already made safe to lay out: one title, labelled one-line values in a
 * fixed order, the last log lines and the console link. Channels only differ in markup, so they all render this and
 * none of them reads the event itself.
 */
export interface AlarmSummary {
  title: string;
  fields: { label: string; value: string }[];
  logLines: string[];
  link?: string;
}

/** Longest field value (and title) kept: a failure reason can be a whole stack trace. */
const MAX_VALUE_CHARS = 500;
/** Longest log line kept. */
const MAX_LOG_LINE_CHARS = 300;
/** How many of the last log lines are kept. */
const MAX_LOG_LINES = 20;

/** The events about one instance, whose worker is the instance's TaskTracker (not a worker that went away). */
const INSTANCE_EVENTS: ReadonlySet<AlarmEventType> = new Set([
  AlarmEventType.INSTANCE_FAILED,
  AlarmEventType.INSTANCE_TIMED_OUT,
  AlarmEventType.NO_WORKER,
]);

/**
 * `text` cut to at most `max` UTF-16 units, ending with '...' when cut. Never splits a surrogate pair, so the result
 * stays valid text for JSON, markdown and e-mail.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 3);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${text.slice(0, end)}...`;
}

/** `text` on one line (every run of whitespace, newlines included, becomes one space), cut to `max` chars. */
export function singleLine(text: string, max: number): string {
  return cutText(text.replace(/\s+/g, ' ').trim(), max);
}

/** Epoch ms as ISO 8601, or the raw number when it is not a valid time (a bad value must not fail the alarm). */
function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** `n word` with an 's' when n is not 1. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The job or workflow an event is about, by name (or `#id` when the name is missing). */
function subjectOf(event: AlarmEvent): { kind: 'job' | 'workflow'; name: string } {
  if (event.jobId !== undefined || event.jobName !== undefined) {
    return { kind: 'job', name: event.jobName ?? `#${event.jobId}` };
  }
  return {
    kind: 'workflow',
    name: event.workflowName ?? (event.workflowId !== undefined ? `#${event.workflowId}` : '?'),
  };
}

/** What happened, in one sentence after the app's name. */
function headline(event: AlarmEvent): string {
  const job = event.jobName ?? (event.jobId !== undefined ? `#${event.jobId}` : '?');
  const instance = event.instanceId ?? '?';
  switch (event.type) {
    case AlarmEventType.INSTANCE_FAILED:
      return `job '${job}' failed (instance ${instance})`;
    case AlarmEventType.INSTANCE_TIMED_OUT:
      return `job '${job}' ran past its time limit (instance ${instance})`;
    case AlarmEventType.NO_WORKER:
      return `job '${job}' found no worker (instance ${instance})`;
    case AlarmEventType.SLOTS_MISSED: {
      const { kind, name } = subjectOf(event);
      if (!event.slots) return `timer slots of ${kind} '${name}' were missed`;
      return `${plural(event.slots.count, 'timer slot')} of ${kind} '${name}' ${event.slots.kind}`;
    }
    case AlarmEventType.WORKFLOW_FAILED: {
      const name = event.workflowName ?? (event.workflowId !== undefined ? `#${event.workflowId}` : '?');
      return `workflow '${name}' failed (instance ${event.workflowInstanceId ?? '?'})`;
    }
    case AlarmEventType.WORKER_LOST:
      return `worker ${event.workerId || '(unknown)'} was lost`;
    case AlarmEventType.APP_NO_WORKER:
      return 'no live worker left';
    case AlarmEventType.RECOVERED: {
      const { kind, name } = subjectOf(event);
      return `${kind} '${name}' recovered`;
    }
    case AlarmEventType.TEST:
      return 'test alarm: this channel works';
  }
}

/** `name (#id)`, or `#id` alone when the name is missing. */
function named(name: string | undefined, id: number): string {
  return name ? `${name} (#${id})` : `#${id}`;
}

/** The labelled values of an event, in the order every channel shows them; a value the event lacks is left out. */
function fieldsOf(message: AlarmMessage): { label: string; value: string }[] {
  const e = message.event;
  const raw: [string, string | number | undefined | null][] = [
    ['App', e.appName],
    ['Job', e.jobId !== undefined ? named(e.jobName, e.jobId) : undefined],
    ['Workflow', e.workflowId !== undefined ? named(e.workflowName, e.workflowId) : undefined],
    ['Instance', e.instanceId],
    ['Workflow instance', e.workflowInstanceId],
    ['Run', e.run],
    [INSTANCE_EVENTS.has(e.type) ? 'TaskTracker worker' : 'Worker', e.workerId],
    ['Failed node', e.failedNodeId],
    ['Instances', e.instanceIds?.length ? e.instanceIds.join(', ') : undefined],
    ['Slots', e.slots ? `${e.slots.count} ${e.slots.kind}, latest ${isoTime(e.slots.latestSlot)}` : undefined],
    ['Reason', e.reason],
    [
      'Suppressed',
      message.suppressedCount > 0
        ? `${plural(message.suppressedCount, 'similar alarm')} held back by the silence period`
        : undefined,
    ],
    ['Time', isoTime(e.occurredAt)],
  ];
  const fields: { label: string; value: string }[] = [];
  for (const [label, value] of raw) {
    if (value === undefined || value === null) continue;
    const text = singleLine(String(value), MAX_VALUE_CHARS);
    if (text !== '') fields.push({ label, value: text });
  }
  return fields;
}

/**
 * The summary every channel renders of `message`. The title starts with `[Jobnest] <app>: ` so that a robot's
 * keyword check (DingTalk) and a mail filter can match it; values are one line and bounded so that a huge reason
 * or log cannot push a message past a receiver's size limit.
 */
export function summarizeAlarm(message: AlarmMessage): AlarmSummary {
  const suppressed = message.suppressedCount > 0 ? ` (+${message.suppressedCount} suppressed)` : '';
  const title = singleLine(`[Jobnest] ${message.event.appName}: ${headline(message.event)}`, MAX_VALUE_CHARS);
  const summary: AlarmSummary = {
    title: `${title}${suppressed}`,
    fields: fieldsOf(message),
    logLines: message.logLines
      .slice(-MAX_LOG_LINES)
      .map((line) => cutText(line.replace(/[\r\n]+/g, ' '), MAX_LOG_LINE_CHARS)),
  };
  if (message.link) summary.link = message.link;
  return summary;
}
