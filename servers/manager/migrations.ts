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
];
