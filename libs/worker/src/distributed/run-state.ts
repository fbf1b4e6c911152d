/** How the dispatch pump is scheduled: not running, running, or running with another round asked for meanwhile. */
export type PumpSchedule = 'idle' | 'pumping' | 'pump-again';

/**
 * The life of one TaskTracker (one distributed run on this worker):
 *
 * ```
 * starting --started()--> running --beginFinishing()--> finishing --finishingDone()--> running
 *     \                      \                              \
 *      +------------------ end() (completed, stopped, timed out, shut down, failed) ---------> ended
 * ```
 *
 * - starting: the set-up (old rows deleted, first tasks stored, or a takeover's held tasks adopted); nothing is
 *   dispatched, a pump asked for is dropped (the set-up ends with one).
 * - running: pumps dispatch and read; when nothing is in flight, ready or unread, the completion check may begin.
 * - finishing: the completion check waits for the queued writes and counts the rows in MySQL; pumps still run
 *   (a result or new rows can arrive meanwhile); the check ends the run or goes back to running.
 * - ended: the outcome is decided (the first one wins); reduce / postProcess may still run after it.
 */
export type RunState =
  | { readonly phase: 'starting' }
  | { readonly phase: 'running'; readonly pump: PumpSchedule }
  | { readonly phase: 'finishing'; readonly pump: PumpSchedule }
  | { readonly phase: 'ended' };

/** The transitions of RunState, in one place; the TaskTracker asks it instead of keeping flags. */
export class RunStateMachine {
  private current: RunState = { phase: 'starting' };

  get state(): RunState {
    return this.current;
  }

  get ended(): boolean {
    return this.current.phase === 'ended';
  }

  /** starting -> running: the set-up is done. */
  started(): void {
    if (this.current.phase === 'starting') this.current = { phase: 'running', pump: 'idle' };
  }

  /** Any phase -> ended; false when it already was (the first outcome wins). */
  end(): boolean {
    if (this.current.phase === 'ended') return false;
    this.current = { phase: 'ended' };
    return true;
  }

  /**
   * A pump is asked for. True: the caller runs it now. False: none may run (starting, ended), or one runs already
   * and is told to go round once more.
   */
  beginPump(): boolean {
    const s = this.current;
    if (s.phase !== 'running' && s.phase !== 'finishing') return false;
    if (s.pump !== 'idle') {
      this.current = { phase: s.phase, pump: 'pump-again' };
      return false;
    }
    this.current = { phase: s.phase, pump: 'pumping' };
    return true;
  }

  /**
   * The pump finished a round (`progressed`: it sent or read tasks). True: it goes round again (progress, or asked
   * meanwhile), the request counted as served. False: it stops (also when the run ended).
   */
  continuePump(progressed: boolean): boolean {
    const s = this.current;
    if (s.phase !== 'running' && s.phase !== 'finishing') return false;
    if (!progressed && s.pump !== 'pump-again') return false;
    this.current = { phase: s.phase, pump: 'pumping' };
    return true;
  }

  /** The pump stopped. */
  endPump(): void {
    const s = this.current;
    if (s.phase === 'running' || s.phase === 'finishing') this.current = { phase: s.phase, pump: 'idle' };
  }

  /** running -> finishing, only while no pump runs; false otherwise (ended, checking already, or pumping). */
  beginFinishing(): boolean {
    const s = this.current;
    if (s.phase !== 'running' || s.pump !== 'idle') return false;
    this.current = { phase: 'finishing', pump: 'idle' };
    return true;
  }

  /** finishing -> running: the completion check found work left (unless it ended the run). */
  finishingDone(): void {
    const s = this.current;
    if (s.phase === 'finishing') this.current = { phase: 'running', pump: s.pump };
  }
}
