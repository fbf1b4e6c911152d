/**
 * The value of a sample in a Prometheus text exposition (`/metrics`): the sum of the samples named `name` whose
 * labels include `labels` (0 when there is none, as for a counter that never moved).
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) total += Number(m[3]);
  }
  return total;
}
