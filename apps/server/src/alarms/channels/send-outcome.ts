/** What one attempt to deliver an alarm came to: accepted or not, and the receiver's answer for the history. */
export interface SendOutcome {
  ok: boolean;
  answer: string;
}
