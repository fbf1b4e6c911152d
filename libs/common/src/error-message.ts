/** The message of a thrown value: an Error's message, anything else as a string (a rejection may carry anything). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
