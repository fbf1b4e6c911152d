/** Results are stored with the instance or task and travel through Redis: keep them reasonable. */
export const MAX_RESULT_LENGTH = 65_536;

/** Cuts a result longer than MAX_RESULT_LENGTH, saying so (an instance's final status, a subtask's result). */
export function limitResult(result: string | null): string | null {
  if (result === null || result.length <= MAX_RESULT_LENGTH) return result;
  return `${result.slice(0, MAX_RESULT_LENGTH)}... (truncated)`;
}
