import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, type FlowJobNode, type JobNode } from 'bullmq';
import { Redis } from 'ioredis';
import type { WorkflowDag, WorkflowInstance } from '@jobnest/client';
import { decodeStamp, monoMs } from '../clock';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { round3, roundSummary, summarize, type Summary } from '../stats';
import { BASELINE_QUEUE } from '../workers/baseline-queues';
import type { TimestampsResult } from '../workers/bench-processors';

/** Nodes of the chain (A1 -> A2 -> ... -> A20): 19 node-to-node gaps per run. */
const CHAIN_LENGTH = 20;
/** Unmeasured runs of each shape per side first (JIT, connection pools, first statements). */
const WARMUP = 1;
/** A run taking longer than this counts as failed (it is stopped). */
const RUN_TIMEOUT_MS = 60_000;
/** Pause between two polls for the end of a run: the figures come from the processors' stamps, not from polls. */
const POLL_MS = 100;
/** Concurrency of the baseline Worker: the Jobnest worker's default maxConcurrentInstances. */
const BASELINE_CONCURRENCY = 16;
const TARGET_P50_MS = 10;
const TARGET_P99_MS = 30;

/** One processor run: its start and end on the machine's monotonic clock. */
interface NodeStamps {
  start: bigint;
  end: bigint;
  /** The same two on the wall clock (ms), to compare with the server's node times. */
  startWall: number;
  endWall: number;
  worker: string;
}

/**
 * Where one Jobnest handover (node end -> next node start) went, from the processors' wall stamps and the node
 * times the server stored (same machine, 1 ms resolution): `report`: processor end -> the server stored the node's
 * end (its final report applied); `transition`: that -> the next node launched (workflow transition committed);
 * `dispatch`: that -> the next processor's start.
 */
interface Handover {
  report: number;
  transition: number;
  dispatch: number;
}

function handover(
  endWall: number,
  storedEnd: number | null,
  launched: number | null,
  startWall: number,
): Handover | undefined {
  if (storedEnd === null || launched === null) return undefined;
  return { report: storedEnd - endWall, transition: launched - storedEnd, dispatch: startWall - launched };
}

/** p50 / max of each part of several handovers. */
function handoverSummary(list: Handover[]): Record<keyof Handover, { p50: number; max: number }> | null {
  if (list.length === 0) return null;
  const part = (k: keyof Handover): { p50: number; max: number } => {
    const s = summarize(list.map((h) => h[k]));
    return { p50: s.p50, max: s.max };
  };
  return { report: part('report'), transition: part('transition'), dispatch: part('dispatch') };
}

/** One side's measurements (ms, monotonic clock) and what went wrong. */
interface WorkflowSamples {
  /** Chain: node end -> next node start, every gap of every measured chain. */
  chainGaps: number[];
  /** Chain: run requested (runWorkflow | flow.add called) -> the last node's end. */
  chainWall: number[];
  /** Fan: the last branch's end -> the join's start. */
  fanIn: number[];
  /** Fan: the root's end -> the last branch's start (Jobnest only: a BullMQ flow has no node before the children). */
  fanOut: number[];
  /** Fan: run requested -> the join's end. */
  fanWall: number[];
  failures: string[];
  runs: Record<string, unknown>[];
  /** Jobnest: where the handovers went (see {@link Handover}). */
  handovers?: Record<string, unknown>;
}

function emptySamples(): WorkflowSamples {
  return { chainGaps: [], chainWall: [], fanIn: [], fanOut: [], fanWall: [], failures: [], runs: [] };
}

/**
 * Scenario 6: workflows. (1) A chain of 20 no-op JOB nodes: the time from one node's processor end to the next
 * node's processor start, over every pair of every run. (2) A root, N parallel no-op nodes and a join: the time from
 * the last branch's end to the join's start, and the whole run. The nodes run `bench.timestamps`, which stamps its
 * first line and its return on the monotonic clock (every process of the machine shares it). Baseline: BullMQ
 * FlowProducer, a chain of 20 (each job the only child of the next) and a parent with N children, one Worker.
 */
export const workflowScenario: Scenario = {
  id: 6,
  name: 'workflow',
  title: 'workflow latency: chain of 20 (node end -> next start) and fan-out/fan-in (last branch end -> join start)',
  baseline: `BullMQ FlowProducer: a chain of ${CHAIN_LENGTH} (each job the child of the next) and 1 parent + N children, one queue, 1 Worker process (concurrency ${BASELINE_CONCURRENCY}), same Redis`,
  processes: {
    baselineProcesses: [
      {
        name: 'bullmq-workflow',
        queues: [{ queue: BASELINE_QUEUE.workflow, concurrency: BASELINE_CONCURRENCY }],
      },
    ],
  },
  flags: [
    {
      name: 'wf-chains',
      description: `measured runs of the chain of ${CHAIN_LENGTH} nodes per side (scenario 6)`,
      default: 10,
      quick: 3,
    },
    {
      name: 'wf-branches',
      description: 'parallel nodes between the root and the join of the fan-out/fan-in workflow (scenario 6)',
      default: 200,
      quick: 50,
    },
    {
      name: 'wf-fan-runs',
      description: 'measured runs of the fan-out/fan-in workflow per side (scenario 6)',
      default: 3,
      quick: 1,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const chains = ctx.flag('wf-chains');
    const branches = Math.max(1, ctx.flag('wf-branches'));
    const fanRuns = ctx.flag('wf-fan-runs');

    ctx.log(
      `workflow: Jobnest, ${WARMUP} warm-up + ${chains} chains of ${CHAIN_LENGTH} nodes, then ${WARMUP} warm-up + ${fanRuns} runs of root -> ${branches} nodes -> join`,
    );
    const jobnest = await ctx.jobnestPhase('workflow', chains + fanRuns, () =>
      measureJobnest(ctx, chains, branches, fanRuns),
    );
    ctx.log(
      `workflow: BullMQ FlowProducer, ${WARMUP} warm-up + ${chains} chains of ${CHAIN_LENGTH}, then ${WARMUP} warm-up + ${fanRuns} flows of 1 parent + ${branches} children`,
    );
    const baseline = await measureBullmq(ctx, chains, branches, fanRuns);

    const sum = (s: WorkflowSamples): Record<'chainGaps' | 'chainWall' | 'fanIn' | 'fanOut' | 'fanWall', Summary> => ({
      chainGaps: roundSummary(summarize(s.chainGaps)),
      chainWall: roundSummary(summarize(s.chainWall)),
      fanIn: roundSummary(summarize(s.fanIn)),
      fanOut: roundSummary(summarize(s.fanOut)),
      fanWall: roundSummary(summarize(s.fanWall)),
    });
    const j = sum(jobnest);
    const b = sum(baseline);
    const gaps = jobnest.chainGaps.length;
    const fanNote = `${branches} branches, ${fanRuns} run(s) per side: p50 of the runs, max is the slowest`;
    const rows: MetricRow[] = [
      {
        metric: 'chain: node end -> next start p50',
        unit: 'ms',
        jobnest: j.chainGaps.p50,
        baseline: b.chainGaps.p50,
        target: { op: '<=', value: TARGET_P50_MS },
      },
      {
        metric: 'chain: node end -> next start p99',
        unit: 'ms',
        jobnest: j.chainGaps.p99,
        baseline: b.chainGaps.p99,
        target: { op: '<=', value: TARGET_P99_MS },
        note: `${gaps} gaps (${chains} chains x ${CHAIN_LENGTH - 1})${gaps > 0 && gaps < 100 ? ': p99 (nearest rank) is the slowest gap' : ''}`,
      },
      { metric: 'chain: node end -> next start max', unit: 'ms', jobnest: j.chainGaps.max, baseline: b.chainGaps.max },
      {
        metric: `chain of ${CHAIN_LENGTH}: run -> last node end p50`,
        unit: 'ms',
        jobnest: j.chainWall.p50,
        baseline: b.chainWall.p50,
        note: 'from runWorkflow() | flow.add() called to the last node processor end',
      },
      {
        metric: `fan-in: last of ${branches} end -> join start p50`,
        unit: 'ms',
        jobnest: j.fanIn.p50,
        baseline: b.fanIn.p50,
        note: fanNote,
      },
      {
        metric: `fan-in: last of ${branches} end -> join start max`,
        unit: 'ms',
        jobnest: j.fanIn.max,
        baseline: b.fanIn.max,
      },
      {
        metric: `fan-out: root end -> last of ${branches} start p50`,
        unit: 'ms',
        jobnest: j.fanOut.p50,
        baseline: null,
        note: 'Jobnest only: a BullMQ flow has no job before the children (they are queued by flow.add itself)',
      },
      {
        metric: `fan-out/in (1+${branches}+1): run -> join end p50`,
        unit: 'ms',
        jobnest: j.fanWall.p50,
        baseline: b.fanWall.p50,
        note: `Jobnest: runWorkflow() called -> the join's processor end (root, ${branches} nodes, join); BullMQ: flow.add() called -> the parent's processor end (${branches} children, parent)`,
      },
      { metric: 'failed runs', unit: 'runs', jobnest: jobnest.failures.length, baseline: baseline.failures.length },
    ];
    return {
      rows,
      details: {
        chainLength: CHAIN_LENGTH,
        chains,
        branches,
        fanRuns,
        warmup: WARMUP,
        baselineConcurrency: BASELINE_CONCURRENCY,
        definitions: {
          stamps:
            'every node (Jobnest bench.timestamps, BullMQ Worker processor) returns <wall ms>:<monotonic ns> taken at its first line (start) and right before it returns (end); every interval is between two of those stamps or a stamp of the bench process, on the monotonic clock shared by the processes of the machine',
          chainGap: `A(i).end -> A(i+1).start for i = 1..${CHAIN_LENGTH - 1}; Jobnest: a workflow of ${CHAIN_LENGTH} JOB nodes with edges A(i) -> A(i+1); BullMQ: a FlowProducer flow where A(i) is the only child of A(i+1) (a parent runs once its children completed)`,
          chainWall: 'runWorkflow() | flow.add() called -> the last node end',
          fanIn: 'max over the branches of their end -> the join (BullMQ: parent) start',
          fanOut: "the root's end -> the latest branch start (Jobnest only)",
          fanWall: 'runWorkflow() | flow.add() called -> the join (parent) end',
          handovers:
            "Jobnest only, wall clock (1 ms): report = processor end -> the node's endTime stored by the server (final report applied); transition = that -> the next node's startTime (launched by the workflow transition); dispatch = that -> the next processor's start. For the fan-in: the last stored branch end and the join",
        },
        jobnest: {
          summary: j,
          handovers: jobnest.handovers ?? null,
          failures: jobnest.failures.slice(0, 20),
          runs: jobnest.runs,
        },
        baseline: { summary: b, failures: baseline.failures.slice(0, 20), runs: baseline.runs },
      },
    };
  },
};

/** `{start, end}` of a bench.timestamps / baseline result; undefined when unreadable. */
function parseStamps(text: unknown): NodeStamps | undefined {
  if (typeof text !== 'string') return undefined;
  let parsed: Partial<TimestampsResult>;
  try {
    parsed = JSON.parse(text) as Partial<TimestampsResult>;
  } catch {
    return undefined;
  }
  const start = decodeStamp(parsed.start);
  const end = decodeStamp(parsed.end);
  return start && end
    ? {
        start: start.mono,
        end: end.mono,
        startWall: start.wall,
        endWall: end.wall,
        worker: String(parsed.worker ?? ''),
      }
    : undefined;
}

function chainIds(): string[] {
  return Array.from({ length: CHAIN_LENGTH }, (_, i) => `A${i + 1}`);
}

function branchIds(branches: number): string[] {
  const width = String(branches).length;
  return Array.from({ length: branches }, (_, i) => `B${String(i + 1).padStart(width, '0')}`);
}

function chainDag(jobId: number): WorkflowDag {
  const ids = chainIds();
  return {
    nodes: ids.map((id) => ({ id, type: 'JOB', jobId })),
    edges: ids.slice(1).map((to, i) => ({ from: ids[i]!, to })),
  };
}

function fanDag(jobId: number, branches: number): WorkflowDag {
  const ids = branchIds(branches);
  return {
    nodes: [
      { id: 'root', type: 'JOB', jobId },
      ...ids.map((id) => ({ id, type: 'JOB' as const, jobId })),
      { id: 'join', type: 'JOB', jobId },
    ],
    edges: [...ids.map((to) => ({ from: 'root', to })), ...ids.map((from) => ({ from, to: 'join' }))],
  };
}

/** Chain figures of one run from its nodes' stamps (in chain order); a failure text when a node is missing. */
function chainFigures(
  requested: bigint,
  stamps: (NodeStamps | undefined)[],
): { gaps: number[]; wall: number } | string {
  const missing = stamps.findIndex((s) => !s);
  if (missing >= 0) return `node A${missing + 1}: no readable stamps`;
  const s = stamps as NodeStamps[];
  const gaps = s.slice(1).map((next, i) => monoMs(s[i]!.end, next.start));
  return { gaps, wall: monoMs(requested, s[s.length - 1]!.end) };
}

/** Fan figures of one run; a failure text when a node is missing. */
function fanFigures(
  requested: bigint,
  root: NodeStamps | undefined,
  branches: (NodeStamps | undefined)[],
  join: NodeStamps | undefined,
):
  | { fanIn: number; fanOut: number | null; wall: number; lastBranchEnd: number; rootStartToJoinEnd: number | null }
  | string {
  const missing = branches.filter((b) => !b).length;
  if (missing > 0 || !join) return `${missing} branch(es)${join ? '' : ' and the join'} without readable stamps`;
  const list = branches as NodeStamps[];
  const lastEnd = list.reduce((m, b) => (b.end > m ? b.end : m), list[0]!.end);
  const lastStart = list.reduce((m, b) => (b.start > m ? b.start : m), list[0]!.start);
  return {
    fanIn: monoMs(lastEnd, join.start),
    fanOut: root ? monoMs(root.end, lastStart) : null,
    wall: monoMs(requested, join.end),
    lastBranchEnd: monoMs(requested, lastEnd),
    rootStartToJoinEnd: root ? monoMs(root.start, join.end) : null,
  };
}

async function measureJobnest(
  ctx: ScenarioContext,
  chains: number,
  branches: number,
  fanRuns: number,
): Promise<WorkflowSamples> {
  const client = ctx.env.client;
  const out = emptySamples();
  const stampTag = Date.now();
  const job = await client.createJob({
    name: `bench-workflow-node-${stampTag}`,
    processor: 'bench.timestamps',
    executeType: 'STANDALONE',
    timeExpressionType: 'WORKFLOW',
    ...ctx.env.firstWorkerOnly(),
  });
  const workflowIds: number[] = [];
  try {
    const chain = await client.createWorkflow({
      name: `bench-workflow-chain-${stampTag}`,
      timeExpressionType: 'API',
      dag: chainDag(job.id),
    });
    workflowIds.push(chain.id);
    const fan = await client.createWorkflow({
      name: `bench-workflow-fan-${stampTag}`,
      timeExpressionType: 'API',
      dag: fanDag(job.id, branches),
    });
    workflowIds.push(fan.id);

    /** One run to its end; the instance and when runWorkflow() was called, or a failure text. */
    const runOnce = async (workflowId: number): Promise<{ requested: bigint; wi: WorkflowInstance } | string> => {
      const requested = process.hrtime.bigint();
      const { workflowInstanceId } = await client.runWorkflow(workflowId);
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      let wi = await client.getWorkflowInstance(workflowInstanceId);
      while (wi.status === 'WAITING' || wi.status === 'RUNNING') {
        ctx.env.assertAlive();
        if (Date.now() > deadline) {
          await client.stopWorkflowInstance(workflowInstanceId).catch(() => undefined);
          const counts = countStatuses(wi);
          return `workflow instance ${workflowInstanceId}: still ${wi.status} after ${RUN_TIMEOUT_MS} ms (nodes: ${counts}); stopped`;
        }
        await sleep(POLL_MS);
        wi = await client.getWorkflowInstance(workflowInstanceId);
      }
      if (wi.status !== 'SUCCEEDED') {
        const bad = wi.nodes.filter((n) => n.status !== 'SUCCEEDED').slice(0, 3);
        return `workflow instance ${workflowInstanceId}: ${wi.status} ${wi.statusReason ?? ''} (${bad.map((n) => `${n.id} ${n.status} ${n.reason ?? ''}`).join('; ')})`;
      }
      return { requested, wi };
    };
    const byNode = (wi: WorkflowInstance): Map<string, NodeStamps | undefined> =>
      new Map(wi.nodes.map((n) => [n.id, parseStamps(n.result)]));
    const chainHandovers: Handover[] = [];
    const fanHandovers: Handover[] = [];

    for (let i = 0; i < WARMUP + chains; i++) {
      const measured = i >= WARMUP;
      const run = await runOnce(chain.id);
      if (typeof run === 'string') {
        if (measured) out.failures.push(`chain: ${run}`);
        else ctx.log(`  warm-up chain failed: ${run}`);
        continue;
      }
      const stamps = byNode(run.wi);
      const fig = chainFigures(
        run.requested,
        chainIds().map((id) => stamps.get(id)),
      );
      if (typeof fig === 'string') {
        if (measured) out.failures.push(`chain: workflow instance ${run.wi.id}: ${fig}`);
        continue;
      }
      if (!measured) continue;
      out.chainGaps.push(...fig.gaps);
      out.chainWall.push(fig.wall);
      const nodes = new Map(run.wi.nodes.map((n) => [n.id, n]));
      const chainIdList = chainIds();
      for (let g = 1; g < chainIdList.length; g++) {
        const prev = chainIdList[g - 1]!;
        const next = chainIdList[g]!;
        const h = handover(
          stamps.get(prev)!.endWall,
          nodes.get(prev)?.endTime ?? null,
          nodes.get(next)?.startTime ?? null,
          stamps.get(next)!.startWall,
        );
        if (h) chainHandovers.push(h);
      }
      out.runs.push({
        shape: 'chain',
        workflowInstanceId: run.wi.id,
        gapsMs: fig.gaps.map(round3),
        runToLastEndMs: round3(fig.wall),
        workers: [...new Set([...stamps.values()].map((s) => s?.worker))],
      });
    }
    const ch = handoverSummary(chainHandovers);
    ctx.log(
      `  jobnest chain: end -> next start p50 ${fmtMs(summarize(out.chainGaps).p50)}, p99 ${fmtMs(summarize(out.chainGaps).p99)}${ch ? ` (p50 of its parts: report stored ${ch.report.p50} ms, transition ${ch.transition.p50} ms, dispatch ${ch.dispatch.p50} ms)` : ''}`,
    );

    const ids = branchIds(branches);
    for (let i = 0; i < WARMUP + fanRuns; i++) {
      const measured = i >= WARMUP;
      const run = await runOnce(fan.id);
      if (typeof run === 'string') {
        if (measured) out.failures.push(`fan: ${run}`);
        else ctx.log(`  warm-up fan run failed: ${run}`);
        continue;
      }
      const stamps = byNode(run.wi);
      const fig = fanFigures(
        run.requested,
        stamps.get('root'),
        ids.map((id) => stamps.get(id)),
        stamps.get('join'),
      );
      if (typeof fig === 'string') {
        if (measured) out.failures.push(`fan: workflow instance ${run.wi.id}: ${fig}`);
        continue;
      }
      // The join launches on the transition after the last branch's end is stored (not necessarily its last end).
      const branchNodes = run.wi.nodes.filter((n) => ids.includes(n.id));
      const lastStored = branchNodes.every((n) => n.endTime !== null)
        ? Math.max(...branchNodes.map((n) => n.endTime!))
        : null;
      const lastEndWall = Math.max(...ids.map((id) => stamps.get(id)!.endWall));
      const joinNode = run.wi.nodes.find((n) => n.id === 'join');
      const h = handover(lastEndWall, lastStored, joinNode?.startTime ?? null, stamps.get('join')!.startWall);
      ctx.log(
        `  jobnest fan${measured ? '' : ' (warm-up)'}: last branch end -> join start ${fmtMs(fig.fanIn)}${h ? ` (last end stored after ${h.report} ms, join launched ${h.transition} ms later, started ${h.dispatch} ms after that)` : ''}, run -> join end ${fmtMs(fig.wall)}`,
      );
      if (!measured) continue;
      out.fanIn.push(fig.fanIn);
      if (fig.fanOut !== null) out.fanOut.push(fig.fanOut);
      out.fanWall.push(fig.wall);
      if (h) fanHandovers.push(h);
      out.runs.push({
        shape: 'fan',
        workflowInstanceId: run.wi.id,
        joinHandoverMs: h ?? null,
        lastBranchEndToJoinStartMs: round3(fig.fanIn),
        rootEndToLastBranchStartMs: fig.fanOut === null ? null : round3(fig.fanOut),
        runToLastBranchEndMs: round3(fig.lastBranchEnd),
        runToJoinEndMs: round3(fig.wall),
        rootStartToJoinEndMs: fig.rootStartToJoinEnd === null ? null : round3(fig.rootStartToJoinEnd),
        serverWallMs:
          run.wi.finishedTime && run.wi.actualTriggerTime ? run.wi.finishedTime - run.wi.actualTriggerTime : null,
      });
    }
    out.handovers = { chain: handoverSummary(chainHandovers), fanIn: handoverSummary(fanHandovers) };
  } finally {
    for (const id of workflowIds) await client.deleteWorkflow(id).catch(() => undefined);
    await client.deleteJob(job.id).catch(() => undefined);
  }
  return out;
}

function countStatuses(wi: WorkflowInstance): string {
  const counts = new Map<string, number>();
  for (const n of wi.nodes) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
}

/** Job ids of a flow's nodes by name. */
function flowIds(node: JobNode, into = new Map<string, string>()): Map<string, string> {
  into.set(node.job.name, node.job.id!);
  for (const child of node.children ?? []) flowIds(child, into);
  return into;
}

async function measureBullmq(
  ctx: ScenarioContext,
  chains: number,
  branches: number,
  fanRuns: number,
): Promise<WorkflowSamples> {
  const { env } = ctx;
  const out = emptySamples();
  const queueName = BASELINE_QUEUE.workflow;
  const queue = env.baselineQueue(queueName);
  const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const flow = new FlowProducer({ connection, prefix: env.prefix });

  /** Adds the flow, waits for its top job; the stamps of every node by name, or a failure text. */
  const runOnce = async (top: {
    name: string;
    children: FlowJobNode[];
  }): Promise<{ requested: bigint; stamps: Map<string, NodeStamps | undefined>; topId: string } | string> => {
    const requested = process.hrtime.bigint();
    const added = await flow.add({ ...top, queueName });
    const topId = added.job.id!;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const job = await queue.getJob(topId);
      if (job?.finishedOn) {
        if (job.failedReason) return `flow ${topId}: the top job failed: ${job.failedReason}`;
        break;
      }
      env.assertAlive();
      if (Date.now() > deadline) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        return `flow ${topId}: not finished after ${RUN_TIMEOUT_MS} ms; queue obliterated`;
      }
      await sleep(POLL_MS);
    }
    const stamps = new Map<string, NodeStamps | undefined>();
    for (const [name, id] of flowIds(added)) {
      const job = await queue.getJob(id);
      stamps.set(name, parseStamps(job?.returnvalue));
    }
    return { requested, stamps, topId };
  };

  try {
    const ids = chainIds();
    const chainFlow = (): { name: string; children: FlowJobNode[] } => {
      let node: FlowJobNode = { name: ids[0]!, queueName };
      for (let i = 1; i < ids.length - 1; i++) node = { name: ids[i]!, queueName, children: [node] };
      return { name: ids[ids.length - 1]!, children: [node] };
    };
    for (let i = 0; i < WARMUP + chains; i++) {
      const measured = i >= WARMUP;
      const run = await runOnce(chainFlow());
      if (typeof run === 'string') {
        if (measured) out.failures.push(`chain: ${run}`);
        else ctx.log(`  warm-up chain failed: ${run}`);
        continue;
      }
      const fig = chainFigures(
        run.requested,
        ids.map((id) => run.stamps.get(id)),
      );
      if (typeof fig === 'string') {
        if (measured) out.failures.push(`chain: flow ${run.topId}: ${fig}`);
        continue;
      }
      if (!measured) continue;
      out.chainGaps.push(...fig.gaps);
      out.chainWall.push(fig.wall);
      out.runs.push({
        shape: 'chain',
        topJob: run.topId,
        gapsMs: fig.gaps.map(round3),
        runToLastEndMs: round3(fig.wall),
      });
    }
    ctx.log(
      `  bullmq chain: end -> next start p50 ${fmtMs(summarize(out.chainGaps).p50)}, p99 ${fmtMs(summarize(out.chainGaps).p99)}`,
    );

    const names = branchIds(branches);
    for (let i = 0; i < WARMUP + fanRuns; i++) {
      const measured = i >= WARMUP;
      const run = await runOnce({ name: 'join', children: names.map((name) => ({ name, queueName })) });
      if (typeof run === 'string') {
        if (measured) out.failures.push(`fan: ${run}`);
        else ctx.log(`  warm-up fan run failed: ${run}`);
        continue;
      }
      const fig = fanFigures(
        run.requested,
        undefined,
        names.map((n) => run.stamps.get(n)),
        run.stamps.get('join'),
      );
      if (typeof fig === 'string') {
        if (measured) out.failures.push(`fan: flow ${run.topId}: ${fig}`);
        continue;
      }
      ctx.log(
        `  bullmq fan${measured ? '' : ' (warm-up)'}: last child end -> parent start ${fmtMs(fig.fanIn)}, flow.add -> parent end ${fmtMs(fig.wall)}`,
      );
      if (!measured) continue;
      out.fanIn.push(fig.fanIn);
      out.fanWall.push(fig.wall);
      out.runs.push({
        shape: 'fan',
        topJob: run.topId,
        lastChildEndToParentStartMs: round3(fig.fanIn),
        runToLastChildEndMs: round3(fig.lastBranchEnd),
        runToParentEndMs: round3(fig.wall),
      });
    }
  } finally {
    await flow.close().catch(() => undefined);
    connection.disconnect();
  }
  return out;
}

function fmtMs(v: number): string {
  return Number.isNaN(v) ? '-' : `${v.toFixed(2)} ms`;
}
