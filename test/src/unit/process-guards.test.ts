import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const COMMON = join(__dirname, '..', '..', '..', 'libs', 'common', 'dist', 'index.js');

/** Runs a Node script in a child process; resolves with its exit code and output. */
function runNode(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The hosts' process guards: a stray rejection is logged and the process lives on; an uncaught exception exits 1. */
describe('installProcessGuards', () => {
  it('logs an unhandled rejection and keeps running, then logs an uncaught exception and exits with code 1', async () => {
    const { code, stdout, stderr } = await runNode(`
      const { installProcessGuards } = require(${JSON.stringify(COMMON)});
      installProcessGuards('guarded-host');
      Promise.reject(new Error('stray rejection'));
      setTimeout(() => {
        console.log('still running');
        setTimeout(() => { throw new Error('boom'); }, 10);
      }, 100);
      setTimeout(() => console.log('never printed'), 5000);
    `);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /guarded-host: unhandled promise rejection, kept running: Error: stray rejection/);
    assert.match(stdout, /still running/);
    assert.match(stderr, /guarded-host: uncaught exception, exiting with code 1: Error: boom/);
    assert.doesNotMatch(stdout, /never printed/);
  });

  it('logs at most 20 rejections a minute', async () => {
    const { code, stderr } = await runNode(`
      const { installProcessGuards } = require(${JSON.stringify(COMMON)});
      installProcessGuards('guarded-host');
      for (let i = 0; i < 25; i++) Promise.reject(new Error('r' + i));
      setTimeout(() => process.exit(0), 100);
    `);
    assert.equal(code, 0, stderr);
    const logged = stderr.split('\n').filter((l) => l.includes('unhandled promise rejection'));
    assert.equal(logged.length, 20, stderr);
  });
});
