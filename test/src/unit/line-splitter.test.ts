import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, MAX_LINE_CHARS } from '@jobnest/worker-app/internal';

function split(chunks: string[], maxLine?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLine);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('cuts chunks into lines across chunk borders, \\r\\n included', () => {
    assert.deepEqual(split(['a\nb', 'c\r', '\nd']), ['a', 'bc', 'd']);
  });

  it('emits a line longer than the bound in pieces of the bound', () => {
    assert.deepEqual(split(['abcdefghij\nxy\n'], 4), ['abcd', 'efgh', 'ij', 'xy']);
  });

  it('holds no more than the bound of a line without line breaks, however it arrives', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), 4);
    for (const ch of 'abcdefghij') splitter.push(ch);
    assert.deepEqual(lines, ['abcd', 'efgh'], 'full pieces are out before the line ends');
    splitter.push('\n');
    assert.deepEqual(lines, ['abcd', 'efgh', 'ij']);
  });

  it('cuts a line the same way whether it arrives whole or piecewise', () => {
    const text = 'x'.repeat(8) + '\r\n' + 'y'.repeat(9) + '\n';
    const whole = split([text], 4);
    const piecewise = split(text.split(''), 4);
    assert.deepEqual(piecewise, whole);
    assert.deepEqual(whole, ['xxxx', 'xxxx', 'yyyy', 'yyyy', 'y']);
  });

  it('bounds lines at 16 KiB by default', () => {
    assert.equal(MAX_LINE_CHARS, 16 * 1024);
    const lines = split(['z'.repeat(MAX_LINE_CHARS * 2 + 5)]);
    assert.deepEqual(
      lines.map((l) => l.length),
      [MAX_LINE_CHARS, MAX_LINE_CHARS, 5],
    );
  });

  it('refuses a bound below 1', () => {
    assert.throws(() => new LineSplitter(() => undefined, 0), /maxLine/);
  });
});
