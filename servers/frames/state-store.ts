import type Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { statementCache } from '../shared/sqlite.js';

export const frameStatuses = ['created', 'starting', 'running', 'paused', 'stopped', 'error'] as const;
export type FrameStatus = (typeof frameStatuses)[number];

export interface FrameRecord {
  id: string;
  name: string;
  description: string | null;
  status: FrameStatus;
  workspacePath: string;
  containerId: string | null;
  graphitiGroupId: string;
  hostPort: number | null;
  createdAt: number;
  updatedAt: number;
  lastActiveAt: number | null;
}

/** A container port published on a host port. */
export interface PortMapping {
  container: number;
  host: number;
}

/** What a frame's current container was made with (JSON), how its setup went (JSON), and the OOM kills seen in it. */
export interface RuntimeState {
  containerSpec: string | null;
  setup: string | null;
  oomKills: number;
}

export interface FrameEvent {
  id: number;
  frameId: string;
  type: string;
  details: Record<string, unknown> | null;
  createdAt: number;
}

interface FrameRow {
  id: string;
  name: string;
  description: string | null;
  status: FrameStatus;
  workspace_path: string;
  container_id: string | null;
  graphiti_group_id: string;
  host_port: number | null;
  created_at: number;
  updated_at: number;
  last_active_at: number | null;
}

const columns: Record<keyof FrameRecord, keyof FrameRow> = {
  id: 'id',
  name: 'name',
  description: 'description',
  status: 'status',
  workspacePath: 'workspace_path',
  containerId: 'container_id',
  graphitiGroupId: 'graphiti_group_id',
  hostPort: 'host_port',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  lastActiveAt: 'last_active_at',
};

function toRecord(row: FrameRow): FrameRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    workspacePath: row.workspace_path,
    containerId: row.container_id,
    graphitiGroupId: row.graphiti_group_id,
    hostPort: row.host_port,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastActiveAt: row.last_active_at,
  };
}

/** Frames, their configs and events, in the state database (openStateDatabase). */
export class StateStore {
  /** Emits 'event' with each frame event this process records (the terminal gateway pushes them to its clients). */
  readonly events = new EventEmitter<{ event: [FrameEvent] }>();

  /** A prepared statement, compiled once per connection. */
  private readonly sql: (text: string) => Database.Statement;

  constructor(readonly db: Database.Database) {
    this.sql = statementCache(this.db);
    this.events.setMaxListeners(0); // one per attached terminal
  }

  /** Runs `fn` holding the write lock from the start, so read-then-write cannot race another process. */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  insertFrame(frame: FrameRecord): void {
    this.sql(
      `INSERT INTO frames (id, name, description, status, workspace_path, container_id,
           graphiti_group_id, host_port, created_at, updated_at, last_active_at)
         VALUES (@id, @name, @description, @status, @workspacePath, @containerId,
           @graphitiGroupId, @hostPort, @createdAt, @updatedAt, @lastActiveAt)`,
    ).run(frame);
  }

  getFrame(id: string): FrameRecord | undefined {
    const row = this.sql('SELECT * FROM frames WHERE id = ?').get(id) as FrameRow | undefined;
    return row && toRecord(row);
  }

  /** By name first, then by id or a unique id prefix of at least 6 characters. */
  findFrame(ref: string): FrameRecord | undefined {
    const byName = this.sql('SELECT * FROM frames WHERE name = ?').get(ref) as FrameRow | undefined;
    if (byName) return toRecord(byName);
    if (ref.length < 6 || !/^[0-9a-f-]+$/.test(ref)) return undefined;
    const rows = this.sql("SELECT * FROM frames WHERE id LIKE ? || '%' LIMIT 2").all(ref) as FrameRow[];
    return rows.length === 1 ? toRecord(rows[0]!) : undefined;
  }

  listFrames(): FrameRecord[] {
    return (this.sql('SELECT * FROM frames ORDER BY name').all() as FrameRow[]).map(toRecord);
  }

  /** Host ports frames hold: their first (for 3000) and the rest (config `ports`). */
  usedPorts(): number[] {
    return this.sql(
      'SELECT host_port FROM frames WHERE host_port IS NOT NULL UNION ALL SELECT host_port FROM frame_ports',
    )
      .pluck()
      .all() as number[];
  }

  /** A frame's ports beyond 3000, by container port. */
  extraPorts(frameId: string): PortMapping[] {
    return this.sql(
      'SELECT container_port AS container, host_port AS host FROM frame_ports WHERE frame_id = ? ORDER BY container_port',
    ).all(frameId) as PortMapping[];
  }

  setExtraPorts(frameId: string, ports: readonly PortMapping[]): void {
    this.sql('DELETE FROM frame_ports WHERE frame_id = ?').run(frameId);
    for (const p of ports)
      this.sql('INSERT INTO frame_ports (frame_id, container_port, host_port) VALUES (?, ?, ?)').run(
        frameId,
        p.container,
        p.host,
      );
  }

  /** What the frame's current container was made with, and how its setup went (JSON each). */
  runtimeState(frameId: string): RuntimeState {
    const row = this.sql('SELECT container_spec, setup_json, oom_kills FROM frame_runtime WHERE frame_id = ?').get(
      frameId,
    ) as { container_spec: string | null; setup_json: string | null; oom_kills: number } | undefined;
    return {
      containerSpec: row?.container_spec ?? null,
      setup: row?.setup_json ?? null,
      oomKills: row?.oom_kills ?? 0,
    };
  }

  setRuntimeState(frameId: string, patch: Partial<RuntimeState>): void {
    const next = { ...this.runtimeState(frameId), ...patch };
    this.sql(
      `INSERT INTO frame_runtime (frame_id, container_spec, setup_json, oom_kills) VALUES (?, ?, ?, ?)
         ON CONFLICT(frame_id) DO UPDATE SET container_spec = excluded.container_spec,
           setup_json = excluded.setup_json, oom_kills = excluded.oom_kills`,
    ).run(frameId, next.containerSpec, next.setup, next.oomKills);
  }

  updateFrame(id: string, patch: Partial<Omit<FrameRecord, 'id' | 'createdAt'>>): FrameRecord {
    const entries = Object.entries({ ...patch, updatedAt: Date.now() }) as Array<[keyof FrameRecord, unknown]>;
    const sets = entries.map(([key]) => `${columns[key]} = @${key}`).join(', ');
    this.sql(`UPDATE frames SET ${sets} WHERE id = @id`).run({ ...Object.fromEntries(entries), id });
    const updated = this.getFrame(id);
    if (!updated) throw new Error(`frame ${id} vanished from the database while being updated`);
    return updated;
  }

  /** Deletes the frame and, through ON DELETE CASCADE, its config, events and sessions. */
  deleteFrame(id: string): void {
    this.sql('DELETE FROM frames WHERE id = ?').run(id);
  }

  getConfig(frameId: string): Record<string, unknown> | undefined {
    const json = this.sql('SELECT config_json FROM frame_configs WHERE frame_id = ?').pluck().get(frameId) as
      string | undefined;
    return json === undefined ? undefined : JSON.parse(json);
  }

  setConfig(frameId: string, config: Record<string, unknown>): void {
    this.sql(
      `INSERT INTO frame_configs (frame_id, config_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(frame_id) DO UPDATE SET config_json = excluded.config_json, updated_at = excluded.updated_at`,
    ).run(frameId, JSON.stringify(config), Date.now());
  }

  addEvent(frameId: string, type: string, details?: Record<string, unknown>): FrameEvent {
    const createdAt = Date.now();
    const info = this.sql(
      'INSERT INTO frame_events (frame_id, event_type, details_json, created_at) VALUES (?, ?, ?, ?)',
    ).run(frameId, type, details ? JSON.stringify(details) : null, createdAt);
    const event = { id: Number(info.lastInsertRowid), frameId, type, details: details ?? null, createdAt };
    this.events.emit('event', event);
    return event;
  }

  /**
   * Events of a frame, oldest first: the newest `limit` of them, or, when following with `afterId`,
   * the first `limit` after it, so a follower that pages along never skips any.
   */
  listEvents(frameId: string, limit = 50, afterId = 0): FrameEvent[] {
    const newest =
      'SELECT * FROM (SELECT * FROM frame_events WHERE frame_id = ? AND id > ? ORDER BY id DESC LIMIT ?) ORDER BY id';
    const following = 'SELECT * FROM frame_events WHERE frame_id = ? AND id > ? ORDER BY id LIMIT ?';
    const rows = this.sql(afterId > 0 ? following : newest).all(frameId, afterId, limit) as Array<{
      id: number;
      frame_id: string;
      event_type: string;
      details_json: string | null;
      created_at: number;
    }>;
    return rows.map((r) => ({
      id: r.id,
      frameId: r.frame_id,
      type: r.event_type,
      details: r.details_json ? JSON.parse(r.details_json) : null,
      createdAt: r.created_at,
    }));
  }
}
