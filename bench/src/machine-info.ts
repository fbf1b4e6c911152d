import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { REPO_ROOT } from './paths';

const PACKAGES = ['bullmq', 'ioredis', 'mysql2', '@nestjs/core', 'typeorm', 'typescript'];

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryMb: number;
  os: string;
  node: string;
  redis: string;
  mariadb: string;
  loadAverageAtStart: number[];
  packages: Record<string, string>;
  jobnest: { commit: string; uncommittedChanges: boolean };
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'not installed';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export async function machineInfo(redis: Redis | Cluster, mysqlRootUrl: string): Promise<MachineInfo> {
  const info = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  let mariadb: string;
  const conn = await createConnection(`${mysqlRootUrl}/`);
  try {
    const [rows] = await conn.query('SELECT VERSION() AS v');
    mariadb = String((rows as { v: string }[])[0]?.v ?? 'unknown');
  } finally {
    await conn.end();
  }
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    os: `${osType()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    mariadb,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    jobnest: {
      commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
      uncommittedChanges: git(['status', '--porcelain']).length > 0,
    },
  };
}
