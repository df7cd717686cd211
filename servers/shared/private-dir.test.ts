import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from './private-dir.js';

// The socket root and each frame's directory in it hold the tmux sockets Optagon trusts. Each case is
// a way another local user could have got a directory on that path first, and so a socket of theirs in it.
const me = process.getuid!();
const OTHER = 12345;
let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'optagon-private-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const mode = (p: string) => lstatSync(p).mode & 0o7777;

describe('ensurePrivateDir', () => {
  it('creates what is missing, each directory 0700 and yours, whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const dir = ensurePrivateDir(join(base, 'optagon', 'frames'));
      expect(dir).toBe(join(base, 'optagon', 'frames'));
      for (const p of [join(base, 'optagon'), dir]) {
        expect(mode(p)).toBe(0o700);
        expect(lstatSync(p).uid).toBe(me);
      }
    } finally {
      process.umask(old);
    }
  });

  it('accepts an existing directory of yours and tightens it to 0700, with no error when already right', () => {
    const dir = join(base, 'frames');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o775);
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    expect(() => ensurePrivateDir(dir)).not.toThrow();
  });

  it('refuses a symlinked component, even one pointing at a good directory', () => {
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'optagon'));
    expect(() =>
      ensurePrivateDir(join(base, 'optagon', 'frames'), {
        fix: 'set frames.socket_root in config.yaml to a directory of yours',
      }),
    ).toThrow(
      `${join(base, 'optagon')} is a symbolic link; Optagon follows none on the way to its private directories: set frames.socket_root in config.yaml to a directory of yours, or remove the link`,
    );
    symlinkSync(join(base, 'real'), join(base, 'leaf'));
    expect(() => ensurePrivateDir(join(base, 'leaf'))).toThrow(/leaf is a symbolic link/);
  });

  it('refuses a directory another user made first, naming the owner and the fix', () => {
    const theirs = join(base, 'optagon');
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, OTHER, OTHER);
    // As a parent on the way...
    expect(() =>
      ensurePrivateDir(join(theirs, 'frames'), {
        fix: 'set frames.socket_root in config.yaml to a directory of yours',
      }),
    ).toThrow(
      `${theirs} is owned by uid ${OTHER}, not you (uid ${me}) or root: another user made it; set frames.socket_root in config.yaml to a directory of yours, or remove it`,
    );
    // ...and as the directory itself.
    expect(() => ensurePrivateDir(theirs)).toThrow(
      `${theirs} is owned by uid ${OTHER}, not you (uid ${me}): another user made it; use a directory of yours, or remove it`,
    );
    expect(mode(theirs)).toBe(0o755); // not theirs to lose, nor ours to take over
  });

  it('refuses a frame directory someone else planted inside a root of yours', () => {
    const root = ensurePrivateDir(join(base, 'frames'));
    const planted = join(root, 'frame-id');
    mkdirSync(planted);
    chownSync(planted, OTHER, OTHER);
    expect(() => ensurePrivateDir(planted, { base: root })).toThrow(`${planted} is owned by uid ${OTHER}, not you`);
  });

  it.skipIf(me !== 0)(
    "gives a frame's directory to the user its root maps to, and refuses one a third user holds",
    () => {
      const root = ensurePrivateDir(join(base, 'frames'));
      const dir = join(root, 'frame-id');
      const frameRoot = { uid: 4242, gid: 4343 };
      ensurePrivateDir(dir, { base: root, owner: frameRoot });
      expect({ uid: lstatSync(dir).uid, gid: lstatSync(dir).gid, mode: mode(dir) }).toEqual({
        uid: 4242,
        gid: 4343,
        mode: 0o700,
      });
      expect({ uid: lstatSync(root).uid, mode: mode(root) }).toEqual({ uid: 0, mode: 0o700 }); // the root above stays ours
      chmodSync(dir, 0o777); // the frame's root may loosen it: tightened again on the next start
      ensurePrivateDir(dir, { base: root, owner: frameRoot });
      expect(mode(dir)).toBe(0o700);
      chownSync(dir, OTHER, OTHER);
      expect(() => ensurePrivateDir(dir, { base: root, owner: frameRoot })).toThrow(
        `${dir} is owned by uid ${OTHER}, neither you (uid 0) nor uid 4242`,
      );
    },
  );

  it('refuses a group- or world-writable parent that is not sticky, but passes a sticky one like /tmp', () => {
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o775);
    expect(() => ensurePrivateDir(join(shared, 'frames'))).toThrow(
      `${shared} is writable by others (mode 0775, not sticky), who could replace what is under it; chmod go-w ${shared}, or use a directory of yours`,
    );
    chmodSync(shared, 0o1777);
    expect(ensurePrivateDir(join(shared, 'frames'))).toBe(join(shared, 'frames'));
  });

  it('refuses a file where a directory should be', () => {
    writeFileSync(join(base, 'optagon'), 'not a dir');
    expect(() => ensurePrivateDir(join(base, 'optagon', 'frames'))).toThrow(
      `${join(base, 'optagon')} is not a directory; use a directory of yours, or remove it`,
    );
    expect(() => ensurePrivateDir(join(base, 'optagon'))).toThrow(/is not a directory/);
  });

  it('refuses a path outside its base and a relative one', () => {
    expect(() => ensurePrivateDir(join(base, 'a'), { base: join(base, 'b') })).toThrow(/is not under/);
    expect(() => ensurePrivateDir('frames')).toThrow(/not an absolute path/);
  });
});
