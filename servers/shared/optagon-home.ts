import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Optagon keeps its state. `OPTAGON_HOME` overrides `~/.optagon` (tests always set it).
 *
 *   config.yaml                 global configuration
 *   data/optagon.db             SQLite state
 *   frames/<id>/config.yaml     a mirror of each frame's configuration
 *   worktrees/<id>/<agent>      the agents' git work trees (mounted at /worktrees in the frame)
 *   logs/frames/<id>.log        each frame's container log
 *   logs/daemon/current.log     the daemon's log (a link to the newest of the rotated files)
 *   daemon.token                the daemon's bearer token (0600)
 *   run/daemon.json             pid, address and start time of the running daemon
 */
export class OptagonHome {
  readonly root: string;

  constructor(root = process.env.OPTAGON_HOME || join(homedir(), '.optagon')) {
    this.root = root;
  }

  get configFile(): string {
    return join(this.root, 'config.yaml');
  }
  get dataDir(): string {
    return join(this.root, 'data');
  }
  get database(): string {
    return join(this.dataDir, 'optagon.db');
  }
  /** The knowledge graph's own database (embedded context backend). */
  get contextDatabase(): string {
    return join(this.dataDir, 'context.db');
  }
  frameDir(frameId: string): string {
    return join(this.root, 'frames', frameId);
  }
  frameConfigFile(frameId: string): string {
    return join(this.frameDir(frameId), 'config.yaml');
  }
  /** The agents spawned in a frame (session.json). */
  frameSessionFile(frameId: string): string {
    return join(this.frameDir(frameId), 'session.json');
  }
  /**
   * The agents' work trees of a frame (mounted at /worktrees in it): frame-writable, so apart from
   * the host-only frames/<id>, and the host never reads in it.
   */
  worktreesDir(frameId: string): string {
    return join(this.root, 'worktrees', frameId);
  }
  get frameLogDir(): string {
    return join(this.root, 'logs', 'frames');
  }
  frameLogFile(frameId: string): string {
    return join(this.frameLogDir, `${frameId}.log`);
  }
  get tokenFile(): string {
    return join(this.root, 'daemon.token');
  }
  /** The daemon's self-signed TLS certificate and key, when it makes one. */
  get tlsDir(): string {
    return join(this.root, 'tls');
  }
  /** The key that signs remote-access sessions (JWT, HS256); made on first use, 0600. */
  get jwtKeyFile(): string {
    return join(this.root, 'jwt.key');
  }
  get runDir(): string {
    return join(this.root, 'run');
  }
  get daemonRunFile(): string {
    return join(this.runDir, 'daemon.json');
  }
  get logDir(): string {
    return join(this.root, 'logs');
  }
  get daemonLogDir(): string {
    return join(this.logDir, 'daemon');
  }
  /** A symlink to the active file of the rotated daemon log. */
  get daemonLog(): string {
    return join(this.daemonLogDir, 'current.log');
  }
}
