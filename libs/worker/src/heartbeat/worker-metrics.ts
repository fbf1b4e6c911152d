import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { WorkerMetrics } from '@jobnest/common';

const MB = 1024 * 1024;

/** Machine and process figures the server's dispatch filters use (min CPU, min memory, overload). */
export function collectWorkerMetrics(): WorkerMetrics {
  const cpuCores = availableParallelism();
  return {
    cpuCores,
    cpuLoad: round(loadavg()[0] / cpuCores),
    memoryTotalMb: Math.round(totalmem() / MB),
    memoryFreeMb: Math.round(freemem() / MB),
    processRssMb: Math.round(process.memoryUsage.rss() / MB),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
