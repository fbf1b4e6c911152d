/** What a flush decided for one item: its value, or the error its submitter gets. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CoalescingQueueOptions<I, R> {
  /**
   * Writes a batch and answers one outcome per item, in the items' order. A rejection fails every item of the
   * batch with that error.
   */
  flush(items: I[]): Promise<ItemOutcome<R>[]>;
  /** How much of a batch an item fills, e.g. the rows it inserts. (Default: 1 per item) */
  weight?(item: I): number;
  /** Most weight per batch; an item heavier than this goes alone. (Default: 1000) */
  maxBatchWeight?: number;
  /** Batches written at once (each holds a database connection while it runs). (Default: 2) */
  maxInFlight?: number;
  /** Most weight waiting for a batch; submit() refuses more with CoalescingQueueFullError. (Default: 20000) */
  maxQueuedWeight?: number;
}

/** submit() found the queue full: the caller should answer "busy, retry later" rather than queue without bound. */
export class CoalescingQueueFullError extends Error {
  constructor(readonly queuedWeight: number) {
    super(`${queuedWeight} items are already waiting to be written`);
    this.name = 'CoalescingQueueFullError';
  }
}

interface Waiting<I, R> {
  item: I;
  weight: number;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted while the writers are busy, or together, are written together by one flush (one
 * transaction, multi-row statements), so N concurrent callers cost a few round trips instead of N. An item
 * submitted while no batch is being written goes at once (after the submitting task's synchronous part).
 * Every submitter still waits for its own outcome, so "answered" keeps meaning "written".
 */
export class CoalescingQueue<I, R> {
  private readonly waiting: Waiting<I, R>[] = [];
  private queuedWeight = 0;
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatchWeight: number;
  private readonly maxInFlight: number;
  private readonly maxQueuedWeight: number;

  constructor(private readonly options: CoalescingQueueOptions<I, R>) {
    this.maxBatchWeight = options.maxBatchWeight ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxQueuedWeight = options.maxQueuedWeight ?? 20_000;
  }

  /** Items waiting for a batch, and batches being written. */
  get depth(): { queuedWeight: number; inFlight: number } {
    return { queuedWeight: this.queuedWeight, inFlight: this.inFlight };
  }

  submit(item: I): Promise<R> {
    const weight = this.options.weight?.(item) ?? 1;
    if (this.queuedWeight + weight > this.maxQueuedWeight && this.queuedWeight > 0) {
      return Promise.reject(new CoalescingQueueFullError(this.queuedWeight));
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    const start = (): void => {
      this.scheduled = false;
      this.startBatch();
    };
    // Idle: after the current task's synchronous part (what it submits joins), without waiting for the event loop's
    // next turn. Busy: on the next turn, so what arrives meanwhile joins the batch.
    if (this.inFlight === 0) queueMicrotask(start);
    else setImmediate(start);
  }

  private startBatch(): void {
    if (this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    const batch: Waiting<I, R>[] = [];
    let weight = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (batch.length > 0 && weight + next.weight > this.maxBatchWeight) break;
      batch.push(next);
      weight += next.weight;
      this.waiting.shift();
    }
    this.queuedWeight -= weight;
    this.inFlight++;
    void this.write(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
    // Another writer may be free for what is left.
    this.schedule();
  }

  private async write(batch: Waiting<I, R>[]): Promise<void> {
    let outcomes: ItemOutcome<R>[];
    try {
      outcomes = await this.options.flush(batch.map((w) => w.item));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) w.reject(new Error('the batch writer gave no outcome for this item'));
      else if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
    });
  }
}
