import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { OptagonHome } from '../../servers/shared/optagon-home.js';

/**
 * The daemon's log: JSON lines under `$OPTAGON_HOME/logs/daemon/`, rotated daily or at 10 MB,
 * keeping 7 files, with `current.log` linking the active one (pino-roll, in pino's worker thread so logging never blocks a request).
 * Frame container logs are rotated by podman (see container-runtime.ts).
 */
export function createDaemonLogger(home: OptagonHome, level = process.env.OPTAGON_LOG_LEVEL ?? 'info'): Logger {
  // pino-roll makes its symlink before its own mkdir; a missing folder would kill the daemon.
  mkdirSync(home.daemonLogDir, { recursive: true, mode: 0o700 });
  const transport = pino.transport({
    target: 'pino-roll',
    options: {
      file: join(home.daemonLogDir, 'daemon.log'),
      frequency: 'daily',
      size: '10m',
      mkdir: true,
      mode: 0o600,
      limit: { count: 7 },
      symlink: true,
    },
  });
  // A log that cannot be written must not take the daemon down with it.
  transport.on('error', (err: Error) => process.stderr.write(`optagon: daemon log failed: ${err.message}\n`));
  return pino({ level, base: { pid: process.pid }, redact: ['token', 'headers.authorization'] }, transport);
}
