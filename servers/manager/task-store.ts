import type Database from 'better-sqlite3';
import { statementCache } from '../shared/sqlite.js';
import { addTables } from '../shared/state-database.js';
import { TASK_MIGRATIONS } from './migrations.js';
import type { TaskResult } from './manager-agent.js';

export type TaskStatus = 'running' | TaskResult['status'];

export interface TaskEvent {
  at: number;
  message: string;
}

export interface TaskRecord {
  id: string;
  frameId: string;
  text: string;
  status: TaskStatus;
  result: TaskResult | null;
  events: TaskEvent[];
  createdAt: number;
  updatedAt: number;
}

interface TaskRow {
  id: string;
  frame_id: string;
  text: string;
  status: TaskStatus;
  result_json: string | null;
  events_json: string;
  created_at: number;
  updated_at: number;
}

const toRecord = (r: TaskRow): TaskRecord => ({
  id: r.id,
  frameId: r.frame_id,
  text: r.text,
  status: r.status,
  result: r.result_json ? (JSON.parse(r.result_json) as TaskResult) : null,
  events: JSON.parse(r.events_json) as TaskEvent[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The manager's tasks in the state database, so `task list` and `task status` work from any process. */
export class TaskStore {
  private readonly sql: (text: string) => Database.Statement;

  constructor(db: Database.Database) {
    addTables(db, 'manager', TASK_MIGRATIONS);
    this.sql = statementCache(db);
  }

  insert(id: string, frameId: string, text: string): TaskRecord {
    const now = Date.now();
    this.sql(
      "INSERT INTO tasks (id, frame_id, text, status, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?)",
    ).run(id, frameId, text, now, now);
    return this.get(id)!;
  }

  get(id: string): TaskRecord | undefined {
    const row = this.sql('SELECT * FROM tasks WHERE id = ? OR id LIKE ?').get(id, `${id}%`) as TaskRow | undefined;
    return row && toRecord(row);
  }

  list(frameId: string | undefined, limit: number): TaskRecord[] {
    const rows = frameId
      ? this.sql('SELECT * FROM tasks WHERE frame_id = ? ORDER BY created_at DESC LIMIT ?').all(frameId, limit)
      : this.sql('SELECT * FROM tasks ORDER BY created_at DESC LIMIT ?').all(limit);
    return (rows as TaskRow[]).map(toRecord);
  }

  addEvent(id: string, message: string): void {
    this.sql(
      "UPDATE tasks SET events_json = json_insert(events_json, '$[#]', json(?)), updated_at = ? WHERE id = ?",
    ).run(JSON.stringify({ at: Date.now(), message }), Date.now(), id);
  }

  finish(id: string, status: TaskStatus, result: TaskResult | null): void {
    this.sql('UPDATE tasks SET status = ?, result_json = ?, updated_at = ? WHERE id = ?').run(
      status,
      result && JSON.stringify(result),
      Date.now(),
      id,
    );
  }

  /** Tasks a previous process left running: it died with them. */
  interrupted(): number {
    return this.sql(
      "UPDATE tasks SET status = 'failed', result_json = json_object('error', 'interrupted: the process running it stopped'), updated_at = ? WHERE status = 'running'",
    ).run(Date.now()).changes;
  }
}
