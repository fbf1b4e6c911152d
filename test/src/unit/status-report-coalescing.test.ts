import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { StatusReporter } from '@jobnest/worker/internal';

type Config = ConstructorParameters<typeof StatusReporter>[0];
type Redis = ConstructorParameters<typeof StatusReporter>[1];

/** A StatusReporter whose producer records each addMany (one round trip each). */
function reporter(fail = false): { reporter: StatusReporter; calls: InstanceStatusReport[][] } {
  const calls: InstanceStatusReport[][] = [];
  const config = { options: { workerId: 'w1', prefix: 'jt', statusResendIntervalMs: 60_000 } } as unknown as Config;
  const redis = {
    streams: { instanceStatus: 'jt:{s1}:app:1:instance-status' },
    producer: {
      addMany: async (_stream: string, reports: InstanceStatusReport[]) => {
        calls.push(reports);
        if (fail) throw new Error('Redis is down');
      },
    },
  } as unknown as Redis;
  return { reporter: new StatusReporter(config, redis), calls };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const brief = (reports: InstanceStatusReport[]): string[] =>
  reports.map((r) => `${r.instanceId}:${r.runningTimes} ${r.status}`);

describe('StatusReporter coalescing', () => {
  it('sends the reports of one turn in one addMany, without RUNNING reports a later report replaces', async () => {
    const { reporter: r, calls } = reporter();
    r.reportRunning(1, 1);
    r.reportFinal(1, 1, InstanceStatus.SUCCEEDED, 'ok');
    r.reportRunning(2, 1, { total: 2, waiting: 2, running: 0, succeeded: 0, failed: 0 });
    r.reportRunning(2, 1, { total: 2, waiting: 1, running: 1, succeeded: 0, failed: 0 });
    r.reportRunning(3, 1);
    r.reportFinal(3, 1, InstanceStatus.FAILED, 'boom');
    assert.equal(calls.length, 0, 'nothing leaves before the turn ends');
    await turn();
    assert.equal(calls.length, 1);
    assert.deepEqual(brief(calls[0]), ['1:1 SUCCEEDED', '2:1 RUNNING', '3:1 FAILED']);
    assert.equal(calls[0][1].tasks?.running, 1, 'the latest progress of run 2');
    assert.equal(r.pendingCount, 2, 'both final reports wait for their acks');

    r.reportRunning(4, 1); // alone in its turn: sent as before
    await turn();
    assert.deepEqual(brief(calls[1]), ['4:1 RUNNING']);
  });

  it('forgets the reports of an instance’s older runs only, when a newer run starts', async () => {
    const { reporter: r } = reporter();
    r.reportFinal(7, 1, InstanceStatus.FAILED, 'first');
    r.reportFinal(7, 2, InstanceStatus.FAILED, 'second');
    r.reportFinal(8, 1, InstanceStatus.FAILED, 'other instance');
    r.reportFinal(7, 4, InstanceStatus.SUCCEEDED, 'later run');
    await turn();
    r.forgetRunsBefore(7, 3);
    assert.equal(r.hasUnacknowledgedFinal(7, 1), false);
    assert.equal(r.hasUnacknowledgedFinal(7, 2), false);
    assert.equal(r.hasUnacknowledgedFinal(7, 4), true, 'a newer run than the one starting stays');
    assert.equal(r.hasUnacknowledgedFinal(8, 1), true, 'another instance stays');
    assert.equal(r.pendingCount, 2);
  });

  it('stop() sends the buffered and unacknowledged final reports once each, before it resolves', async () => {
    const { reporter: r, calls } = reporter();
    r.reportFinal(5, 1, InstanceStatus.SUCCEEDED, null);
    await turn();
    r.reportFinal(6, 2, InstanceStatus.STOPPED, 'stopped');
    r.resendFinal(6, 2);
    await r.stop();
    assert.deepEqual(brief(calls[1]), ['6:2 STOPPED', '5:1 SUCCEEDED']);
    await turn();
    assert.equal(calls.length, 2, 'the buffered flush does not go again after stop()');
  });

  it('never rejects when Redis fails: the final report stays pending', async () => {
    const { reporter: r, calls } = reporter(true);
    r.reportFinal(7, 1, InstanceStatus.SUCCEEDED, null);
    await turn();
    await turn();
    assert.equal(calls.length, 1);
    assert.equal(r.hasUnacknowledgedFinal(7, 1), true);
    await r.stop(); // re-sent, fails again, still resolves
    assert.equal(calls.length, 2);
  });
});
