import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { GlobalConfig } from '../shared/global-config.js';
import type { OptagonHome } from '../shared/optagon-home.js';

/**
 * A workspace is mounted read-write into a container whose root may be host root, so it is a grant of
 * the host's files to whatever runs in the frame. This module decides which directories may be granted.
 */

/** Never a workspace, nor anything inside them (unless inside the user's home, e.g. root's /root). */
export const SYSTEM_DIRS = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
  '/var',
  '/root',
  '/snap',
];

export interface ProtectedPath {
  path: string;
  /** What it is, for the error: "Optagon's home (OPTAGON_HOME)". */
  what: string;
}

export interface WorkspaceRules {
  /** A workspace must be one of these or inside one (by real path). */
  roots: string[];
  /** No workspace may be, be inside, or hold one of these. */
  protected: ProtectedPath[];
  /** The user's home: what is inside it is exempt from SYSTEM_DIRS (root's home is /root). */
  userHome: string;
}

/** A workspace the rules forbid (as opposed to one that is missing or mistyped). */
export class WorkspaceRefused extends Error {}

/** Podman volume syntax (`src:dst:opts`, `--mount a=b,c=d`) gives these a meaning in a path. */
const VOLUME_SYNTAX = /[:,]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** `a` is `b` or lies inside it. */
const within = (a: string, b: string) => a === b || b === sep || a.startsWith(b + sep);

/** The real path of `p`, or of its longest existing ancestor with the rest appended (paths not made yet). */
function realish(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  while (!existsSync(head) && dirname(head) !== head) {
    tail.unshift(basename(head));
    head = dirname(head);
  }
  try {
    return join(realpathSync(head), ...tail);
  } catch {
    return resolve(p);
  }
}

/**
 * Resolves a workspace path and checks it against the rules; returns its real path. Refused: a
 * relative or missing path, a file, `:` or `,` (podman's volume syntax), control characters, `/`, a
 * system directory, a path that is, holds or lies inside a protected one, and any path not under a
 * root. Every check is on the real path, so a symlink or `..` reaches nothing the path itself could not.
 */
export function resolveWorkspace(path: string, rules: WorkspaceRules): string {
  if (!isAbsolute(path))
    throw new Error(`workspace '${path}' is not an absolute path; pass it in full, e.g. ${resolve(path)}`);
  if (CONTROL.test(path))
    throw new WorkspaceRefused(
      `workspace ${JSON.stringify(path)} has control characters in its path; rename the directory`,
    );
  if (VOLUME_SYNTAX.test(path))
    throw new WorkspaceRefused(
      `workspace '${path}' has ':' or ',' in its path, which podman's volume syntax cannot carry; rename the directory`,
    );
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new Error(`workspace '${path}' does not exist; create it first (mkdir -p ${path})`);
  }
  if (!statSync(real).isDirectory()) throw new Error(`workspace '${path}' is not a directory`);
  if (real === sep) throw new WorkspaceRefused('the workspace cannot be / ; pass a project directory');
  if (CONTROL.test(real) || VOLUME_SYNTAX.test(real)) {
    throw new WorkspaceRefused(
      `workspace '${path}' leads to ${JSON.stringify(real)}, with ':', ',' or control characters in its real path, which podman's volume syntax cannot carry; rename the directory`,
    );
  }
  const named = real === path ? `workspace '${path}'` : `workspace '${path}' (real path ${real})`;

  // Inside the user's home the system list does not apply (root's home is /root), unless the home is / or a system directory itself.
  const userHome = realish(rules.userHome);
  const homeExempt =
    userHome !== sep && !SYSTEM_DIRS.some((d) => d !== '/root' && (d === userHome || d === rules.userHome));
  if (!(homeExempt && within(real, userHome))) {
    for (const dir of SYSTEM_DIRS) {
      if (within(real, dir) || within(real, realish(dir))) {
        throw new WorkspaceRefused(
          `${named} is inside the system directory ${dir}; a frame gets its workspace read-write, so pass a project directory of yours`,
        );
      }
    }
  }
  for (const p of rules.protected) {
    const guarded = realish(p.path);
    if (within(real, guarded))
      throw new WorkspaceRefused(
        `${named} is inside ${p.what} (${guarded}); a frame must never reach it, so pass a project directory`,
      );
    if (within(guarded, real))
      throw new WorkspaceRefused(
        `${named} holds ${p.what} (${guarded}); a frame must never reach it, so pass a project directory (a folder below ${real})`,
      );
  }
  const roots = rules.roots.map(realish);
  if (!roots.some((root) => within(real, root))) {
    const listed = roots.length ? roots.join(', ') : 'none';
    throw new WorkspaceRefused(
      `${named} is not under an allowed workspace root (frames.workspace_roots: ${listed}); put the project under one, or add a directory above it to frames.workspace_roots in config.yaml`,
    );
  }
  return real;
}

/** The rules for this configuration and home: roots from `frames.workspace_roots`, and what Optagon and podman keep. */
export function workspaceRules(config: GlobalConfig, home: OptagonHome | string): WorkspaceRules {
  const userHome = homedir();
  const dataHome =
    process.env.XDG_DATA_HOME && isAbsolute(process.env.XDG_DATA_HOME)
      ? process.env.XDG_DATA_HOME
      : join(userHome, '.local', 'share');
  const guarded: ProtectedPath[] = [
    {
      path: typeof home === 'string' ? home : home.root,
      what: "Optagon's home (OPTAGON_HOME: its keys, tokens and database)",
    },
    { path: config.frames.socket_root, what: "the frames' socket root (frames.socket_root)" },
    { path: '/var/lib/containers', what: "podman's storage" },
    { path: join(dataHome, 'containers'), what: "podman's storage" },
    { path: join(userHome, '.local', 'share', 'containers'), what: "podman's storage" },
  ];
  if (config.daemon.tls.key_path)
    guarded.push({ path: config.daemon.tls.key_path, what: "the daemon's TLS key (daemon.tls.key_path)" });
  return { roots: config.frames.workspace_roots, protected: guarded, userHome };
}

/** frame_create's check: the real path of an allowed workspace, or an error saying why not. */
export function checkWorkspace(path: string, config: GlobalConfig, home: OptagonHome | string): string {
  return resolveWorkspace(path, workspaceRules(config, home));
}

/**
 * A `mounts` source: the same rules as a workspace (under frames.workspace_roots, nothing Optagon
 * or the system keeps), as the real path, and not in or around any frame's workspace: a frame
 * writes there, and could swap a directory for a link between this check and podman's mount. The
 * error names the setting.
 */
export function checkMountSource(
  path: string,
  config: GlobalConfig,
  home: OptagonHome | string,
  workspaces: readonly string[],
): string {
  let real: string;
  try {
    real = checkWorkspace(path, config, home);
  } catch (err) {
    throw new Error(
      `invalid frame config at 'mounts': ${(err as Error).message.replace(/^workspace /, 'mount source ')}`,
    );
  }
  for (const ws of workspaces.map(realish))
    if (within(real, ws) || within(ws, real))
      throw new Error(
        `invalid frame config at 'mounts': mount source '${path}' is in or around the frame workspace ${ws}, which frames write; a frame has its own workspace at /workspace, so mount a directory no frame works in`,
      );
  return real;
}

/**
 * frame_start's check. A frame made before the rules (or before the configuration changed) may hold
 * a workspace they refuse: it does not start, and the error says how to make it again.
 */
export function checkFrameWorkspace(
  frame: { name: string; workspacePath: string },
  config: GlobalConfig,
  home: OptagonHome | string,
): string {
  try {
    return checkWorkspace(frame.workspacePath, config, home);
  } catch (err) {
    if (!(err instanceof WorkspaceRefused)) throw err;
    throw new WorkspaceRefused(
      `frame '${frame.name}' cannot start: ${err.message}. It was made before this rule held (or the configuration changed); ` +
        `destroy it (\`optagon frame destroy ${frame.name}\`; the workspace is kept) and create it again on a project directory under ` +
        `frames.workspace_roots (\`optagon frame create ${frame.name} --workspace <dir>\`)`,
    );
  }
}
