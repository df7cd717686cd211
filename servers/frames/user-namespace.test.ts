import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameRootCheck, frameUserNamespace, subordinateStart } from './user-namespace.js';

const dir = mkdtempSync(join(tmpdir(), 'optagon-userns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frameUserNamespace', () => {
  it('leaves rootless podman its own mapping (the frame root is the user)', () => {
    expect(frameUserNamespace(dir, true)).toMatchObject({ flags: [], root: null });
  });

  it.skipIf(process.getuid?.() !== 0)(
    "maps a user's workspace to them, and a root group to the range, never host gid 0",
    () => {
      chownSync(dir, 1234, 0);
      const ns = frameUserNamespace(dir, false);
      const start = subordinateStart(1234);
      expect(ns.root).toEqual({ uid: 1234, gid: start });
      expect(ns.flags).toEqual([
        '--uidmap',
        '0:1234:1',
        '--uidmap',
        `1:${start + 1}:65535`,
        '--gidmap',
        `0:${start}:1`,
        '--gidmap',
        `1:${start + 1}:65535`,
      ]);
      chownSync(dir, 1234, 1234);
      expect(frameUserNamespace(dir, false).root).toEqual({ uid: 1234, gid: 1234 });
      expect(frameRootCheck([{ name: 'a', workspacePath: dir }]).status).toBe('ok');
    },
  );

  it.skipIf(process.getuid?.() !== 0)("says so when a root-owned workspace keeps the frame's root host root", () => {
    chownSync(dir, 0, 0);
    expect(frameUserNamespace(dir, false)).toMatchObject({ flags: [], root: null });
    const check = frameRootCheck([
      { name: 'mine', workspacePath: dir },
      { name: 'gone', workspacePath: join(dir, 'missing') },
    ]);
    expect(check).toMatchObject({ status: 'warn' });
    expect(check.detail).toContain('mine is root');
    expect(check.detail).not.toContain('gone');
  });

  it('gives every owner a range of its own in the top half of the id space, never past it', () => {
    expect(subordinateStart(1000)).not.toBe(subordinateStart(1001));
    expect(subordinateStart(1000)).toBeGreaterThanOrEqual(2 ** 31);
    for (const uid of [0, 32766, 65534, 4_000_000_000]) expect(subordinateStart(uid) + 65535).toBeLessThan(2 ** 32 - 1);
  });
});
