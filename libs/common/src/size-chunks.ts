/** Bounds of each chunk chunkBySize() cuts. */
export interface ChunkLimits<T> {
  /** Most items per chunk. */
  maxItems: number;
  /** Most total size per chunk, as `sizeOf` estimates it; a single item larger than this gets a chunk of its own. */
  maxSize: number;
  sizeOf(item: T): number;
}

/**
 * Cuts `items` into consecutive chunks, in order, each within both limits (and never empty): the rows of one
 * multi-row INSERT, the commands of one batch job.
 */
export function chunkBySize<T>(items: readonly T[], limits: ChunkLimits<T>): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = limits.sizeOf(item);
    if (chunk.length > 0 && (chunk.length >= limits.maxItems || size + itemSize > limits.maxSize)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += itemSize;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
