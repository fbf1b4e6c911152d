import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  durationMs: number;
  /** Share of the samples where the process ran JavaScript or native code (not idle). */
  busyPercent: number;
  /** Time spent in the function itself. */
  selfByFunction: HotSpot[];
  /** Self time grouped by package (node_modules/<pkg>), Jobnest source file, or Node internals. */
  selfByArea: HotSpot[];
  /** Time in the function and everything it called, Jobnest code only (apps/, libs/). */
  inclusiveJobnest: HotSpot[];
  /**
   * Entry points of the work: the first frame of each event-loop task or microtask (an async function resuming after
   * an await, an I/O callback), with everything it called. Async code loses its callers in a CPU profile; this says
   * which continuation the time went to.
   */
  byEntry: HotSpot[];
}

/** Reads a .cpuprofile and answers: where does the time go? */
export function summarizeProfile(file: string, repoRoot: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Time per sample: timeDeltas[i] is the time since sample i-1; attribute each delta to sample i.
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const d = deltas[i + 1] ?? deltas[i] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, d));
  }
  const totalUs = [...selfUs.values()].reduce((s, v) => s + v, 0) || 1;

  const place = (cf: CallFrame): string => {
    if (!cf.url) return cf.functionName || '(anonymous)';
    const url = cf.url.replace(/^file:\/\//, '');
    const rel = url.startsWith(repoRoot) ? relative(repoRoot, url) : url;
    return `${cf.functionName || '(anonymous)'} ${rel}:${cf.lineNumber + 1}`;
  };
  const area = (cf: CallFrame): string => {
    const url = cf.url.replace(/^file:\/\//, '');
    if (!url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
    if (url.startsWith('node:')) return 'node internals';
    const nm = url.lastIndexOf('/node_modules/');
    if (nm >= 0) {
      const rest = url.slice(nm + '/node_modules/'.length).split('/');
      return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    }
    return relative(repoRoot, url);
  };
  const isJobnest = (cf: CallFrame): boolean => {
    const url = cf.url.replace(/^file:\/\//, '');
    return url.startsWith(repoRoot) && !url.includes('/node_modules/') && /\/(apps|libs)\//.test(url);
  };

  const idleNames = new Set(['(idle)', '(program)']);
  let idleUs = 0;
  const selfFn = new Map<string, number>();
  const selfArea = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    if (idleNames.has(cf.functionName)) idleUs += us;
    const k = place(cf);
    selfFn.set(k, (selfFn.get(k) ?? 0) + us);
    const a = area(cf);
    selfArea.set(a, (selfArea.get(a) ?? 0) + us);
  }

  // Inclusive time of Jobnest functions: walk the tree, counting a function once per path (recursion).
  const inclusive = new Map<string, number>();
  const subtotal = new Map<number, number>();
  const total = (node: ProfileNode): number => {
    const cached = subtotal.get(node.id);
    if (cached !== undefined) return cached;
    let t = selfUs.get(node.id) ?? 0;
    for (const c of node.children ?? []) t += total(byId.get(c)!);
    subtotal.set(node.id, t);
    return t;
  };
  const root = profile.nodes[0]!;
  const walk = (node: ProfileNode, onPath: Set<string>): void => {
    const cf = node.callFrame;
    let added: string | undefined;
    if (isJobnest(cf)) {
      const k = place(cf);
      if (!onPath.has(k)) {
        inclusive.set(k, (inclusive.get(k) ?? 0) + total(node));
        onPath.add(k);
        added = k;
      }
    }
    for (const c of node.children ?? []) walk(byId.get(c)!, onPath);
    if (added) onPath.delete(added);
  };
  walk(root, new Set());

  // Entry points: skip the scheduling frames at the top of each stack.
  const scheduling = new Set([
    '(root)',
    'processTicksAndRejections',
    'runMicrotasks',
    'processImmediate',
    'listOnTimeout',
    'processTimers',
  ]);
  const entries = new Map<string, number>();
  const entryWalk = (node: ProfileNode): void => {
    if (scheduling.has(node.callFrame.functionName) && !node.callFrame.url.includes('/node_modules/')) {
      for (const c of node.children ?? []) entryWalk(byId.get(c)!);
      return;
    }
    if (idleNames.has(node.callFrame.functionName)) return;
    const k = place(node.callFrame);
    entries.set(k, (entries.get(k) ?? 0) + total(node));
  };
  entryWalk(root);

  const busyUs = Math.max(1, totalUs - idleUs);
  const rank = (m: Map<string, number>, skipIdle: boolean): HotSpot[] =>
    [...m.entries()]
      .filter(([k]) => !(skipIdle && (k.startsWith('(idle)') || k.startsWith('(program)'))))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, ms: Math.round(us / 100) / 10, percent: Math.round((us / busyUs) * 1000) / 10 }));

  return {
    file: file.startsWith(repoRoot) ? relative(repoRoot, file) : file,
    durationMs: Math.round(totalUs / 1000),
    busyPercent: Math.round(((totalUs - idleUs) / totalUs) * 1000) / 10,
    selfByFunction: rank(selfFn, true),
    selfByArea: rank(selfArea, true),
    inclusiveJobnest: rank(inclusive, false),
    byEntry: rank(entries, true),
  };
}
