import { join } from 'node:path';

/** The repository root (this file runs from bench/dist/). */
export const REPO_ROOT = join(__dirname, '..', '..');
export const BENCH_DIST = join(REPO_ROOT, 'bench', 'dist');
export const SERVER_MAIN = join(REPO_ROOT, 'apps', 'server', 'dist', 'main.js');
export const BENCH_WORKER_MAIN = join(BENCH_DIST, 'workers', 'bench-worker.main.js');
export const BASELINE_WORKER_MAIN = join(BENCH_DIST, 'workers', 'baseline-worker.main.js');
export const PROFILE_PRELOAD = join(BENCH_DIST, 'profiling', 'cpu-profile-preload.js');
/** Where result JSON files go. JOBNEST_BENCH_RESULTS_DIR (Default: bench/results) */
export const RESULTS_DIR = process.env.JOBNEST_BENCH_RESULTS_DIR || join(REPO_ROOT, 'bench', 'results');
