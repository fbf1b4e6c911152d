import { errorMessages } from '../api/errors';

export interface SplitErrors<F extends string> {
  /** Messages that name a known field, by field. */
  fields: Partial<Record<F, string[]>>;
  /** Every other message (shown at the top of the form). */
  general: string[];
}

/**
 * Sorts the messages of a 400 by the field they start with: "timeExpression: ...", "name must be ...",
 * "lifecycle.start must ...", "timeZone 'x' is not ...". `aliases` maps a message path ("lifecycle.start") to a form
 * field; the longest matching path wins.
 */
export function splitFieldErrors<F extends string>(
  err: unknown,
  fields: readonly F[],
  aliases: Record<string, F> = {},
): SplitErrors<F> {
  const result: SplitErrors<F> = { fields: {}, general: [] };
  const known = new Set<string>(fields);
  for (const message of errorMessages(err)) {
    const field = fieldOf(message, known, aliases) as F | undefined;
    if (field === undefined) {
      result.general.push(message);
    } else {
      (result.fields[field] ??= []).push(message);
    }
  }
  return result;
}

function fieldOf(message: string, known: Set<string>, aliases: Record<string, string>): string | undefined {
  const path = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)(?=[\s:.[]|$)/.exec(message)?.[1];
  if (path === undefined) return undefined;
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    if (aliases[prefix] !== undefined) return aliases[prefix];
    if (known.has(prefix)) return prefix;
  }
  return undefined;
}
