import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { getLogs, NEWEST_LOG_LINES } from '../../api/instances';
import type { InstanceLogLine } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatUtc } from '../../lib/format';
import { appendLines, CHUNK, EMPTY_WINDOW, openAtTail, prependOlder, type LogWindow } from './log-window';

interface LogTailProps {
  app: string;
  instanceId: number;
  /** True while the instance can still write lines: polls every second. */
  live: boolean;
  /**
   * Epoch ms until which to keep polling after the instance ended: its last lines travel through a stream and may
   * land a moment after its final status. (Default: none)
   */
  followUntil?: number;
}

const POLL_MS = 1_000;
/** How long a log keeps following after its instance ended (its last lines may arrive just after). */
export const LOG_FOLLOW_AFTER_END_MS = 10_000;
/** Longest pause between two tries after errors (each error doubles the pause from POLL_MS). */
const MAX_ERROR_BACKOFF_MS = 30_000;
/** Pages read in one go while catching up with many new lines. */
const PAGES_PER_TICK = 20;

const TIME = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
});

function LogRow({ line }: { line: InstanceLogLine }) {
  return (
    <div className={`log-line level-${line.level.toLowerCase()}`}>
      <time dateTime={new Date(line.time).toISOString()} title={formatUtc(line.time)}>
        {TIME.format(line.time)}
      </time>{' '}
      <span className="log-level">{line.level}</span> <span className="log-worker">{line.workerId}</span>{' '}
      <span className="log-message">{line.message}</span>
    </div>
  );
}

/** The instance's log, opened at its newest lines and following new ones every second while it runs; "Load older" reads back. */
export function LogTail({ app, instanceId, live, followUntil = 0 }: LogTailProps) {
  const [view, setView] = useState<LogWindow>(EMPTY_WINDOW);
  const windowRef = useRef<LogWindow>(EMPTY_WINDOW);
  const [error, setError] = useState<unknown>(null);
  const [caughtUp, setCaughtUp] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const boxRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const update = useCallback((next: LogWindow) => {
    windowRef.current = next;
    setView(next);
  }, []);

  useEffect(() => {
    let stopped = false;
    let opened = windowRef.current !== EMPTY_WINDOW;
    let errorsInARow = 0;
    let timer: number | undefined;
    const controller = new AbortController();
    const tick = async () => {
      let upToDate = false;
      try {
        if (!opened) {
          // Open at the tail: the newest lines, whatever the log's length.
          const newest = await getLogs(app, instanceId, { before: NEWEST_LOG_LINES, limit: CHUNK }, controller.signal);
          if (stopped) return;
          update(openAtTail(newest.items));
          opened = true;
        }
        for (let i = 0; i < PAGES_PER_TICK && !stopped; i++) {
          const after = windowRef.current.tail;
          const page = await getLogs(app, instanceId, { after, limit: CHUNK }, controller.signal);
          if (stopped) return;
          update(appendLines(windowRef.current, page.items));
          if (page.items.length < CHUNK) {
            upToDate = true;
            break;
          }
        }
        setError(null);
        setCaughtUp(upToDate);
        errorsInARow = 0;
      } catch (err) {
        if (stopped) return;
        setError(err);
        errorsInARow++;
      }
      const following = live || Date.now() < followUntil;
      const pause = Math.min(MAX_ERROR_BACKOFF_MS, POLL_MS * 2 ** errorsInARow);
      if (!stopped && (following || !upToDate)) timer = window.setTimeout(() => void tick(), pause);
    };
    void tick();
    return () => {
      stopped = true;
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [app, instanceId, live, followUntil, update]);

  // Follow the tail unless the reader scrolled up.
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && stickToBottom.current) box.scrollTop = box.scrollHeight;
  }, [view.lines]);

  const onScroll = () => {
    const box = boxRef.current;
    if (box) stickToBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
  };

  const loadOlder = async () => {
    const first = windowRef.current.lines[0];
    if (!first) return;
    setLoadingOlder(true);
    try {
      const page = await getLogs(app, instanceId, { before: first.id, limit: CHUNK });
      stickToBottom.current = false;
      update(prependOlder(windowRef.current, page.items));
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <section className="log-section">
      <div className="section-header">
        <h2 id={`log-title-${instanceId}`}>Log</h2>
        <span className="muted" role="status">
          {live ? 'Following new lines every second' : caughtUp ? 'Complete' : 'Reading…'} · {view.lines.length} lines
          shown
        </span>
      </div>
      {view.hasOlder && (
        <button type="button" onClick={() => void loadOlder()} disabled={loadingOlder}>
          Load older
        </button>
      )}
      <ErrorMessage error={error} title="Could not read the log" />
      <div
        ref={boxRef}
        className="log-box"
        role="log"
        aria-label="Instance log"
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {view.lines.length === 0 ? (
          <p className="muted">{caughtUp ? 'No log lines yet.' : 'Loading the log…'}</p>
        ) : (
          view.lines.map((line) => <LogRow key={line.id} line={line} />)
        )}
      </div>
    </section>
  );
}
