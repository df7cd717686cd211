/**
 * Numbered schema migrations; `PRAGMA user_version` records how many have run.
 * Append only: a released migration is never edited. Times are Unix epoch milliseconds, which
 * keep events in order within a second.
 */
export const migrations: readonly string[] = [
  // 1: frames, their configs and events; access tokens, sessions and system settings.
  `
  CREATE TABLE frames (
    id TEXT PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('created','starting','running','paused','stopped','error')),
    workspace_path TEXT NOT NULL,
    container_id TEXT,
    tmux_socket TEXT,
    graphiti_group_id TEXT NOT NULL,
    host_port INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_active_at INTEGER
  );
  -- Two frames can never hold one port, even when two processes allocate at once.
  CREATE UNIQUE INDEX frames_host_port ON frames(host_port) WHERE host_port IS NOT NULL;

  CREATE TABLE frame_configs (
    frame_id TEXT PRIMARY KEY REFERENCES frames(id) ON DELETE CASCADE,
    config_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE frame_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    frame_id TEXT REFERENCES frames(id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    details_json TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX frame_events_frame ON frame_events(frame_id, id);

  CREATE TABLE access_tokens (
    id TEXT PRIMARY KEY,
    name TEXT,
    token_hash TEXT NOT NULL,
    permissions_json TEXT,
    last_used_at INTEGER,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_id TEXT REFERENCES access_tokens(id) ON DELETE CASCADE,
    frame_id TEXT REFERENCES frames(id) ON DELETE CASCADE,
    client_info_json TEXT,
    connected_at INTEGER NOT NULL,
    last_activity_at INTEGER
  );

  CREATE TABLE system_config (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // The manager agent's tasks (servers/manager): what was asked of a frame, how it went, its progress.
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
  // A frame's socket path follows from frames.socket_root and its id (FrameManager.socketDir): a
  // stored copy went stale when the root changed.
  `ALTER TABLE frames DROP COLUMN tmux_socket;`,
];
