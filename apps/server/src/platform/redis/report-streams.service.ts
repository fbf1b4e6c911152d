import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ThrottledErrorLog } from '@jobnest/common';
import { AppInfoEntity } from '@jobnest/persistence';
import { KeyLayout, type AppStreamKind } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from './redis-connections.service';

/** How often the app list is read again: a new app's streams are read within this time. */
export const APP_DISCOVERY_INTERVAL_MS = 2000;

/** Streams read by one command: every app's on a single Redis (`all`), one lane's on a cluster (`lane-<n>`). */
export type StreamGroups = ReadonlyMap<string, readonly string[]>;

type ChangeListener = () => void;

/**
 * Which report streams exist to be read: one set per app (KeyLayout.appStreams), for every app in MySQL, and for
 * an app split into parts (app_info.stream_parts) the status and log streams of every part. The app list is read at
 * boot and every APP_DISCOVERY_INTERVAL_MS, and at once when this server registers or splits an app; a new stream
 * is then read from its first entry (consumer groups start at 0), so nothing its workers wrote before is missed.
 *
 * On a single Redis, the streams of the layout before hash tags (one shared stream per kind) are read too while
 * they exist, so reports that workers of an older version leave there during an upgrade are applied.
 */
@Injectable()
export class ReportStreams implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReportStreams.name);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly layout: KeyLayout;
  /** Every app, by id, with the parts of its status and log streams. */
  private apps: { id: number; parts: number }[] = [];
  private legacy = new Set<AppStreamKind>();
  private readonly listeners: ChangeListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** groups() by kind, computed once per change (readers ask before every read). */
  private readonly cache = new Map<AppStreamKind, StreamGroups>();

  constructor(
    config: ServerConfig,
    private readonly connections: RedisConnections,
    @InjectRepository(AppInfoEntity) private readonly appRows: Repository<AppInfoEntity>,
  ) {
    this.layout = config.keys;
  }

  /**
   * The first load must succeed before the server goes on: with no app known, the cluster view would be "ready"
   * with no worker, and the reconciler would take every running instance for orphaned.
   */
  async onModuleInit(): Promise<void> {
    while (!(await this.load())) await new Promise((resolve) => setTimeout(resolve, 500));
    this.timer = setInterval(() => {
      this.refreshing ??= this.load()
        .then(() => undefined)
        .finally(() => (this.refreshing = undefined));
    }, APP_DISCOVERY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Called after an app was registered here: its streams are read from now on, not at the next discovery. */
  async refresh(): Promise<void> {
    // A load already running may have read MySQL before the caller's INSERT: wait for it, then load again.
    await this.refreshing;
    this.refreshing ??= this.load()
      .then(() => undefined)
      .finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /** Listens for new streams (a new app, a legacy stream found); returns nothing to undo: listeners live as long. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** The streams of one kind, grouped by what one command may read. */
  groups(kind: AppStreamKind): StreamGroups {
    const cached = this.cache.get(kind);
    if (cached) return cached;
    const groups = new Map<string, string[]>();
    const single = !this.connections.isCluster;
    for (const app of this.apps) {
      // Heartbeats are never split (a worker's directory reads its app's one stream).
      const parts = kind === 'heartbeats' ? 1 : app.parts;
      for (let part = 0; part < parts; part++) {
        const group = single ? 'all' : `lane-${KeyLayout.laneOf(app.id, part)}`;
        let streams = groups.get(group);
        if (!streams) groups.set(group, (streams = []));
        streams.push(this.layout.appStreams(app.id, part)[kind]);
      }
    }
    if (single && this.legacy.has(kind)) {
      const all = groups.get('all');
      if (all) all.push(this.layout.legacy.streams[kind]);
      else groups.set('all', [this.layout.legacy.streams[kind]]);
    }
    this.cache.set(kind, groups);
    return groups;
  }

  /** Every stream of one kind (the trimmer's list). */
  all(kind: AppStreamKind): string[] {
    return [...this.groups(kind).values()].flat();
  }

  /** Whether a reader may create the stream: an app stream yes, a legacy one no (it would come back when deleted). */
  mayCreate(stream: string): boolean {
    return this.layout.parseAppStream(stream) !== null;
  }

  /** The app whose workers write a stream, or null for a legacy stream (shared by every app). */
  appOf(stream: string): number | null {
    return this.layout.parseAppStream(stream)?.appId ?? null;
  }

  /** Reads the app list and the legacy streams; false (logged) when that failed. */
  private async load(): Promise<boolean> {
    try {
      const rows = await this.appRows.find({ select: { id: true, streamParts: true }, order: { id: 'ASC' } });
      const apps = rows.map((r) => ({ id: r.id, parts: Math.max(1, r.streamParts) }));
      const legacy = this.connections.isCluster ? new Set<AppStreamKind>() : await this.legacyStreams();
      const changed =
        apps.length !== this.apps.length ||
        apps.some((a, i) => a.id !== this.apps[i]?.id || a.parts !== this.apps[i]?.parts) ||
        legacy.size !== this.legacy.size ||
        [...legacy].some((k) => !this.legacy.has(k));
      this.apps = apps;
      // A legacy stream is listed while it exists: deleted (empty, no older worker left), it is read no more.
      this.legacy = legacy;
      if (changed) {
        this.cache.clear();
        for (const listener of this.listeners) listener();
      }
      return true;
    } catch (err) {
      this.errors.error('discovery', 'reading the app list failed, will retry', err);
      return false;
    }
  }

  /** The legacy streams that exist (an EXISTS each, sent together). */
  private async legacyStreams(): Promise<Set<AppStreamKind>> {
    const kinds = Object.keys(this.layout.legacy.streams) as AppStreamKind[];
    const exists = await Promise.all(
      kinds.map((kind) => this.connections.commands.exists(this.layout.legacy.streams[kind])),
    );
    return new Set(kinds.filter((_, i) => exists[i] === 1));
  }
}
