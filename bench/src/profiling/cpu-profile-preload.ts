/**
 * Preloaded (`node --require`) into the server and the worker when the bench runs with `--profile`. Controlled
 * through files in BENCH_PROFILE_DIR (signals are no good: Nest's enableShutdownHooks() treats SIGUSR2 as a
 * shutdown): the bench creates `<name>.start-<n>`, this starts the V8 CPU profiler and creates
 * `<name>.started-<n>`; the bench creates `<name>.stop-<n>`, this writes `<name>-<n>.cpuprofile` (under a temporary
 * name, then renamed, so the bench only sees complete files). Only the phases the bench wants are profiled.
 */
import { existsSync, readdirSync, renameSync, watch, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
const name = process.env.BENCH_PROFILE_NAME ?? `pid${process.pid}`;

if (dir) {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  const done = new Set<string>();
  let queue: Promise<void> = Promise.resolve();

  const act = (file: string): void => {
    const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(start|stop)-(\\d+)$`).exec(file);
    if (!m || done.has(file) || !existsSync(join(dir, file))) return;
    done.add(file);
    const [, what, round] = m;
    queue = queue
      .then(async () => {
        if (what === 'start') {
          await post('Profiler.enable');
          await post('Profiler.setSamplingInterval', { interval: 200 });
          await post('Profiler.start');
          writeFileSync(join(dir, `${name}.started-${round}`), String(Date.now()));
        } else {
          const res = (await post('Profiler.stop')) as { profile: unknown };
          const out = join(dir, `${name}-${round}.cpuprofile`);
          writeFileSync(`${out}.tmp`, JSON.stringify(res.profile));
          renameSync(`${out}.tmp`, out);
        }
      })
      .catch((err: unknown) => {
        process.stderr.write(`cpu profile: ${String(err)}\n`);
      });
  };

  const watcher = watch(dir, (_event, file) => {
    if (file) act(file.toString());
  });
  watcher.unref();
  // A command written before the watcher started.
  for (const f of readdirSync(dir)) act(f);
}
