import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkBySize } from '@jobnest/common';

describe('chunkBySize', () => {
  const limits = { maxItems: 3, maxSize: 10, sizeOf: (n: number) => n };

  it('cuts consecutive chunks within the item count and the size, in order', () => {
    assert.deepEqual(chunkBySize([1, 1, 1, 1, 1, 1, 1], limits), [[1, 1, 1], [1, 1, 1], [1]]);
    assert.deepEqual(chunkBySize([4, 4, 4, 2], limits), [
      [4, 4],
      [4, 2],
    ]);
  });

  it('gives an item larger than the size a chunk of its own, and nothing for nothing', () => {
    assert.deepEqual(chunkBySize([2, 30, 2], limits), [[2], [30], [2]]);
    assert.deepEqual(chunkBySize([], limits), []);
  });
});
