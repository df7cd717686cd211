/**
 * The core tables of the state database (data/optagon.db): frames, their configs and events, and
 * system settings. The other capabilities add their own tables (addTables). Append only: a released
 * migration is never edited. Times are Unix epoch milliseconds, which keep events in order within
 * a second.
 */
export const CORE_MIGRATIONS: readonly string[] = [
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

  CREATE TABLE system_config (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // A frame's socket path follows from frames.socket_root and its id (FrameManager.socketDir): a
  // stored copy went stale when the root changed.
  `ALTER TABLE frames DROP COLUMN tmux_socket;`,
  // A frame's ports beyond 3000 (config `ports`), each its own host port; and what its container was
  // made with (a start compares: a change makes a new container) and how its setup went.
  `
  CREATE TABLE frame_ports (
    frame_id TEXT NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
    container_port INTEGER NOT NULL,
    host_port INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (frame_id, container_port)
  );
  CREATE TABLE frame_runtime (
    frame_id TEXT PRIMARY KEY REFERENCES frames(id) ON DELETE CASCADE,
    container_spec TEXT,
    setup_json TEXT,
    oom_kills INTEGER NOT NULL DEFAULT 0
  );
  `,
];
