import { readFileSync } from 'node:fs';
import type { JobInput } from '../types';
import type { WorkflowInput } from '../workflow-types';

/**
 * Reads a JobInput JSON document from `path` ("-" reads stdin).
 * Only checks that it is a JSON object; the server validates the fields.
 */
export function readJobInputFile(path: string): JobInput {
  return readJsonObjectFile(path, 'a JobInput') as JobInput;
}

/**
 * Reads a WorkflowInput JSON document from `path` ("-" reads stdin).
 * Only checks that it is a JSON object; the server validates the fields and the DAG.
 */
export function readWorkflowInputFile(path: string): WorkflowInput {
  return readJsonObjectFile(path, 'a WorkflowInput') as WorkflowInput;
}

/** The non-blank lines of `path` ("-" reads stdin): one run's instanceParams each, for `run-bulk`. */
export function readParamLines(path: string): string[] {
  return readText(path)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
}

/** A secret kept in a file (`-` reads stdin), without the file's final line break. */
export function readSecretFile(path: string): string {
  return readText(path).replace(/\r?\n$/, '');
}

function readText(path: string): string {
  const source = path === '-' ? 'stdin' : path;
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err: unknown) {
    throw new Error(`cannot read ${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Reads a JSON object from `path` ("-" reads stdin); `what` names it in the error, e.g. "a JobInput". */
function readJsonObjectFile(path: string, what: string): unknown {
  const source = path === '-' ? 'stdin' : path;
  const text = readText(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    throw new Error(`${source} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source} must hold a JSON object (${what})`);
  }
  return value;
}
