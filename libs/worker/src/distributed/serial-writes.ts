/**
 * The writes of one run to the task table, one after the other: two UPDATEs of one instance's rows at once would
 * deadlock each other in MySQL, and a read that must see every queued result waits behind them.
 */
export class SerialWrites {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `write` after every write queued before it; its result (or error) goes to this caller only. */
  run<T>(write: () => Promise<T>): Promise<T> {
    const done = this.tail.then(write);
    this.tail = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Settles once every write queued so far has settled (never rejects). */
  drained(): Promise<void> {
    return this.tail;
  }
}
