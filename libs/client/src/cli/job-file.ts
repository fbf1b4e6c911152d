import { readFileSync } from 'node:fs';
import type { JobInput } from '../types';

/**
 * Reads a JobInput JSON document from `path` ("-" reads stdin).
 * Only checks that it is a JSON object; the server validates the fields.
 */
export function readJobInputFile(path: string): JobInput {
  const source = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err: unknown) {
    throw new Error(`cannot read ${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    throw new Error(`${source} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source} must hold a JSON object (a JobInput)`);
  }
  return value as JobInput;
}
