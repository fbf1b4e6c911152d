import type { AppStreamKind } from '@jobnest/transport';
import type { ReportStreams } from './report-streams.service';

/** A loop that reads some streams: a consumer group reader or a heartbeat reader. */
export interface StreamReaderLoop {
  start(): void;
  stop(): Promise<void>;
}

/**
 * One reader per group of streams that one command may read (ReportStreams.groups): a single reader on a single
 * Redis, one per lane in use on a cluster. A group that appears later (the first app of a lane) gets its reader
 * then. Each reader asks for its group's current streams before every read, so a new app joins it at once.
 */
export class LaneReaders<R extends StreamReaderLoop> {
  private readonly readers = new Map<string, R>();
  private stopped = false;

  constructor(
    private readonly streams: ReportStreams,
    private readonly kind: AppStreamKind,
    private readonly create: (group: string, streams: () => readonly string[]) => R,
  ) {}

  /** Starts a reader for every group known now, and for every group that appears later. */
  start(): void {
    this.startNewGroups();
    this.streams.onChange(() => this.startNewGroups());
  }

  /** The groups that have a reader now. */
  get groups(): string[] {
    return [...this.readers.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
  }

  private startNewGroups(): void {
    if (this.stopped) return;
    for (const group of this.streams.groups(this.kind).keys()) {
      if (this.readers.has(group)) continue;
      const reader = this.create(group, () => this.streams.groups(this.kind).get(group) ?? []);
      this.readers.set(group, reader);
      reader.start();
    }
  }
}
