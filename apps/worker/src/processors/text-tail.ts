/** Keeps the last `max` characters of a growing text (a process's output) without holding all of it. */
export class TextTail {
  private text = '';

  constructor(private readonly max: number) {}

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }

  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** Longest line LineSplitter emits whole (Default: 16 KiB); it holds no more than this of an unfinished line. */
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Cuts a stream of text chunks into lines; `end()` emits an unterminated last line. A line longer than `maxLine`
 * is emitted in pieces of `maxLine` characters, so output without line breaks cannot fill the memory.
 */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = MAX_LINE_CHARS,
  ) {
    if (!Number.isInteger(maxLine) || maxLine < 1)
      throw new RangeError(`maxLine must be a whole number >= 1 (got ${maxLine})`);
  }

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.emitInPieces(line);
    // Keep at most maxLine characters (plus a '\r' that may start a '\r\n'): a piece is emitted only once more
    // text proves the line goes on, so the pieces are the ones a complete line would have been cut into.
    while (this.partial.length - (this.partial.endsWith('\r') ? 1 : 0) > this.maxLine) {
      this.onLine(this.partial.slice(0, this.maxLine));
      this.partial = this.partial.slice(this.maxLine);
    }
  }

  end(): void {
    if (this.partial !== '') this.onLine(this.partial);
    this.partial = '';
  }

  private emitInPieces(line: string): void {
    if (line.length <= this.maxLine) return this.onLine(line);
    for (let start = 0; start < line.length; start += this.maxLine)
      this.onLine(line.slice(start, start + this.maxLine));
  }
}
