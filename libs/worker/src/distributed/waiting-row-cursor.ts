/**
 * Where the TaskTracker's next read of waiting task rows starts. Reads go up by id, so a row is read once. Rows can
 * commit below the cursor (ctx.map() calls that run at once on several workers commit out of id order): an
 * announcement of new rows whose first id was already read past moves the cursor back there, and `restart()` reads
 * everything again (the completion check found waiting rows nobody announced).
 *
 * Pure bookkeeping; the caller does the SQL and skips rows it already holds (`rereads`).
 */
export class WaitingRowCursor {
  private after = 0;
  private maxRead = 0;
  private rewindTo: number | undefined;
  private exhausted = false;
  private reading = false;
  /** Lowest first id announced while a read ran (that read may or may not have seen those rows). */
  private announcedDuringRead: number | undefined;

  /** Nothing to read: the last read found the end and no new rows were announced since. */
  get done(): boolean {
    return this.exhausted && this.rewindTo === undefined;
  }

  /** New rows were stored from `firstId` on (0: unknown, they are above the cursor or found at completion). */
  announce(firstId: number): void {
    this.exhausted = false;
    if (firstId <= 0) return;
    if (this.reading) this.announcedDuringRead = Math.min(this.announcedDuringRead ?? Infinity, firstId);
    else this.rewindIfRead(firstId);
  }

  /** Reads everything again from id 0. */
  restart(): void {
    this.rewindTo = 0;
    this.exhausted = false;
  }

  /**
   * Starts a read: rows with ids above `after`. `rereads`: the read covers ids read before, so it may meet tasks
   * the caller holds (in flight, queued or with an unwritten result). An announcement during the read is kept for
   * the next one.
   */
  begin(): { after: number; rereads: boolean } {
    if (this.rewindTo !== undefined) {
      this.after = Math.min(this.after, this.rewindTo);
      this.rewindTo = undefined;
    }
    this.exhausted = true;
    this.reading = true;
    return { after: this.after, rereads: this.after < this.maxRead };
  }

  /** The read that started `after` returned `count` rows (of at most `limit`), the last with id `lastId`. */
  end(after: number, count: number, lastId: number, limit: number): void {
    const last = count > 0 ? lastId : after;
    this.maxRead = Math.max(this.maxRead, last);
    if (count >= limit) {
      this.exhausted = false; // more may follow
      this.after = Math.max(this.after, last);
    } else {
      // The end: every row up to maxRead was visible to this read, so the cursor resumes from there.
      this.after = Math.max(this.after, last, this.maxRead);
    }
    this.reading = false;
    if (this.announcedDuringRead !== undefined) {
      // The read may have started before those rows committed: if it went past them, go back for them.
      this.rewindIfRead(this.announcedDuringRead);
      this.announcedDuringRead = undefined;
    }
  }

  private rewindIfRead(firstId: number): void {
    if (firstId <= this.maxRead) this.rewindTo = Math.min(this.rewindTo ?? Infinity, firstId - 1);
  }
}
