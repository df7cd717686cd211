/** The manager's table in the state database: what was asked of a frame, how it went, its progress. Append only. */
export const TASK_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    frame_id TEXT NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled','planned')),
    result_json TEXT,
    events_json TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX tasks_frame ON tasks(frame_id, created_at DESC);
  `,
  // 2: waiting_for_review (accepted work left on the agents' branches). SQLite cannot change a
  // CHECK in place: the table is made again, every row kept.
  `
  CREATE TABLE tasks_v2 (
    id TEXT PRIMARY KEY,
    frame_id TEXT NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled','planned','waiting_for_review')),
    result_json TEXT,
    events_json TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  INSERT INTO tasks_v2 (id, frame_id, text, status, result_json, events_json, created_at, updated_at)
    SELECT id, frame_id, text, status, result_json, events_json, created_at, updated_at FROM tasks;
  DROP TABLE tasks;
  ALTER TABLE tasks_v2 RENAME TO tasks;
  CREATE INDEX tasks_frame ON tasks(frame_id, created_at DESC);
  `,
];
