import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecuteType } from '@jobnest/common';
import type { BasicProcessor } from '@jobnest/worker';
// Internal to the SDK (not exported from its index): which methods an execute type needs of a processor.
import { missingStep, stepsDeclaredButNotMethods } from '@jobnest/worker/internal';

const process = async () => ({ success: true });

describe('processor steps', () => {
  it('a MAP_REDUCE instance needs reduce(ctx, results); the other execute types need only process()', () => {
    const mapOnly: BasicProcessor = { process };
    assert.equal(missingStep(mapOnly, ExecuteType.MAP_REDUCE), 'reduce(ctx, results)');
    for (const t of [ExecuteType.STANDALONE, ExecuteType.MAP, ExecuteType.BROADCAST])
      assert.equal(missingStep(mapOnly, t), undefined);
    class Reducer {
      async process() {
        return { success: true };
      }
      async reduce() {
        return { success: true };
      }
    }
    assert.equal(missingStep(new Reducer(), ExecuteType.MAP_REDUCE), undefined, 'a method on the prototype');
    assert.equal(
      missingStep({ process, reduce: async () => ({ success: true }) } as BasicProcessor, ExecuteType.MAP_REDUCE),
      undefined,
    );
  });

  it('finds a reduce declared as a member that is not a method (known at boot)', () => {
    class Declared {
      reduce: unknown = undefined;
      async process() {
        return { success: true };
      }
    }
    assert.deepEqual(stepsDeclaredButNotMethods(new Declared() as BasicProcessor), ['reduce(ctx, results)']);
    assert.deepEqual(stepsDeclaredButNotMethods({ process }), []);
  });
});
