import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Who Chromium runs as, and with what around it. Chromium renders pages an agent (or whoever
 * wrote them) chose; it must not do that as root. When this process is root, Chromium is started
 * through a small wrapper that drops to an unprivileged user with setpriv (util-linux), with a
 * profile directory that user owns. Its environment is a few plain variables, never this
 * process's (which holds API keys).
 */
export interface ChromiumLaunch {
  /** What Playwright starts: Chromium itself, or the wrapper that drops privileges first. */
  executablePath: string;
  /** The profile (Playwright's user data dir), owned by the user Chromium runs as. */
  userDataDir: string;
  env: Record<string, string>;
  /** The uid Chromium runs as. */
  uid: number;
  cleanup(): void;
}

/** Where setpriv is looked for (util-linux; in every Debian, Essential). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];
/** Copied from this process when set: locale and time zone change what pages show, nothing secret. */
const KEPT_ENV = ['LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'FONTCONFIG_PATH', 'FONTCONFIG_FILE'];

/** uid and gid of a user name or number (`nobody`, `65534`, `65534:65534`) from /etc/passwd. */
export function resolveUser(
  spec: string,
  passwd = () => readFileSync('/etc/passwd', 'utf8'),
): { uid: number; gid: number } {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(spec);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  for (const line of passwd().split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === spec && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    `browser.run_as: there is no user '${spec}' in /etc/passwd; name an unprivileged user (default nobody) or a uid`,
  );
}

/** Launches not cleaned up yet: removed at exit too, so a process that ends without close() leaves no profile behind. */
const pending = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of pending) cleanup();
});

/** Runs `remove` once, at cleanup() or at exit, whichever comes first. */
function once(remove: () => void): () => void {
  const cleanup = () => {
    if (!pending.delete(cleanup)) return;
    try {
      remove();
    } catch {
      // best effort: a temporary directory
    }
  };
  pending.add(cleanup);
  return cleanup;
}

/** The shell's single quotes around a value. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The launch for `executablePath` by a process with `uid` (process.getuid()). As root: a wrapper
 * in a root-only directory that execs setpriv to `runAs`, then Chromium (same pid, so Playwright's
 * pipes and signals reach it). Otherwise: Chromium itself.
 */
export function chromiumLaunch(executablePath: string, runAs: string, uid = process.getuid?.() ?? -1): ChromiumLaunch {
  let drop: { uid: number; gid: number; setpriv: string } | undefined;
  if (uid === 0) {
    const user = resolveUser(runAs);
    if (user.uid === 0)
      throw new Error(
        `browser.run_as is '${runAs}', which is root; Chromium must not run as root: name an unprivileged user such as nobody`,
      );
    const setpriv = SETPRIV.find((p) => existsSync(p));
    if (!setpriv) {
      throw new Error(
        'Chromium must not run as root, and setpriv (util-linux) is missing to start it as an unprivileged user: install util-linux, or run Optagon as a normal user',
      );
    }
    drop = { ...user, setpriv };
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'optagon-chromium-profile-'));
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: userDataDir,
    XDG_CONFIG_HOME: join(userDataDir, '.config'),
    XDG_CACHE_HOME: join(userDataDir, '.cache'),
  };
  for (const k of KEPT_ENV) if (process.env[k]) env[k] = process.env[k]!;
  if (!drop)
    return {
      executablePath,
      userDataDir,
      env,
      uid,
      cleanup: once(() => rmSync(userDataDir, { recursive: true, force: true })),
    };

  chownSync(userDataDir, drop.uid, drop.gid);
  const wrapperDir = mkdtempSync(join(tmpdir(), 'optagon-chromium-'));
  const wrapper = join(wrapperDir, 'chromium');
  writeFileSync(
    wrapper,
    `#!/bin/sh\n# Chromium as ${runAs}, not root (written by Optagon for one launch).\n` +
      `exec ${drop.setpriv} --reuid=${drop.uid} --regid=${drop.gid} --clear-groups --inh-caps=-all -- ${quote(executablePath)} "$@"\n`,
    { mode: 0o700 },
  );
  chmodSync(wrapper, 0o700);
  return {
    executablePath: wrapper,
    userDataDir,
    env,
    uid: drop.uid,
    cleanup: once(() => {
      rmSync(wrapperDir, { recursive: true, force: true });
      rmSync(userDataDir, { recursive: true, force: true });
    }),
  };
}
