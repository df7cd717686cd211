import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSocketRoot } from './user-runtime-dir.js';

describe('defaultSocketRoot', () => {
  const me = process.getuid!();
  // A user other than root: this one when not root, else one made up (root can give it the directory).
  const user = me === 0 ? 4321 : me;
  let dir = '';
  const runtimeDir = (mode: number, owner = user) => {
    dir = mkdtempSync(join(tmpdir(), 'xdg-'));
    if (me === 0) chownSync(dir, owner, owner);
    chmodSync(dir, mode);
    return dir;
  };
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('root keeps /tmp/optagon/frames', () => {
    expect(defaultSocketRoot({ XDG_RUNTIME_DIR: '/run/user/0' }, 0)).toBe('/tmp/optagon/frames');
  });

  it('a user gets $XDG_RUNTIME_DIR/optagon/frames when that directory is theirs and private', () => {
    const xdg = runtimeDir(0o700);
    expect(defaultSocketRoot({ XDG_RUNTIME_DIR: xdg }, user)).toBe(join(xdg, 'optagon', 'frames'));
  });

  it('else /tmp/optagon-<uid>/frames: no XDG_RUNTIME_DIR, a relative one, one others can enter, or one of another user', () => {
    expect(defaultSocketRoot({}, user)).toBe(`/tmp/optagon-${user}/frames`);
    expect(defaultSocketRoot({ XDG_RUNTIME_DIR: 'run/user' }, user)).toBe(`/tmp/optagon-${user}/frames`);
    expect(defaultSocketRoot({ XDG_RUNTIME_DIR: runtimeDir(0o755) }, user)).toBe(`/tmp/optagon-${user}/frames`);
    rmSync(dir, { recursive: true, force: true });
    expect(defaultSocketRoot({ XDG_RUNTIME_DIR: runtimeDir(0o700) }, user + 1)).toBe(`/tmp/optagon-${user + 1}/frames`);
  });
});
