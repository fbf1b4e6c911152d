/**
 * Characters one processor log line keeps (at most 64 KiB in UTF-8). The server stores 16,000 characters of a line
 * (its TEXT column holds 64 KiB), so anything longer would cost memory and Redis space only to be cut there.
 */
export const MAX_LOG_MESSAGE_CHARS = 16_384;

/** Cuts a message longer than MAX_LOG_MESSAGE_CHARS, saying how much was left out. */
export function limitLogMessage(message: string): string {
  if (message.length <= MAX_LOG_MESSAGE_CHARS) return message;
  let cut = MAX_LOG_MESSAGE_CHARS;
  // Do not split a surrogate pair: half of one is not valid UTF-8.
  const last = message.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${message.slice(0, cut)}... (${message.length - cut} characters truncated)`;
}
