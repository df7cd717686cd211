import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBeneath, UnsafeFileError } from './read-beneath.js';

/** Each case is what a process in a frame can plant in the directory the host reads hook states from. */
describe('readBeneath: reading a frame-writable place', () => {
  let root: string;
  let secret: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'optagon-beneath-'));
    secret = join(mkdtempSync(join(tmpdir(), 'optagon-host-only-')), 'secret.json');
    writeFileSync(secret, '{"token":"host-only"}');
    mkdirSync(join(root, 'agents'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads a plain file, and a missing one is undefined', () => {
    writeFileSync(join(root, 'agents', 'a.json'), '{"state":"idle"}');
    expect(readBeneath(root, 'agents/a.json')?.toString()).toBe('{"state":"idle"}');
    expect(readBeneath(root, 'agents/none.json')).toBeUndefined();
    expect(readBeneath(root, 'nodir/none.json')).toBeUndefined();
  });

  it('a symlink as the file is refused, not followed', () => {
    symlinkSync(secret, join(root, 'agents', 'a.json'));
    expect(() => readBeneath(root, 'agents/a.json')).toThrow(UnsafeFileError);
  });

  it('a symlink as a directory on the way is refused, not followed', () => {
    rmSync(join(root, 'agents'), { recursive: true });
    symlinkSync(join(secret, '..'), join(root, 'agents'));
    expect(() => readBeneath(root, 'agents/secret.json')).toThrow(UnsafeFileError);
  });

  it('a FIFO does not hang the reader, and a device or a directory is not read', () => {
    execFileSync('mkfifo', [join(root, 'agents', 'a.json')]);
    expect(() => readBeneath(root, 'agents/a.json')).toThrow(/not a regular file/);
    mkdirSync(join(root, 'agents', 'b.json'));
    expect(() => readBeneath(root, 'agents/b.json')).toThrow(/not a regular file/);
  });

  it('a huge file is refused, or only its tail read when asked for', () => {
    writeFileSync(join(root, 'agents', 'big.json'), 'x'.repeat(2000) + 'END');
    expect(() => readBeneath(root, 'agents/big.json', { maxBytes: 1000 })).toThrow(/more than the 1000 allowed/);
    expect(readBeneath(root, 'agents/big.json', { tailBytes: 5 })?.toString()).toBe('xxEND');
  });

  it('.. and . are refused before anything is opened', () => {
    expect(() => readBeneath(root, '../x')).toThrow(/plain relative path/);
    expect(() => readBeneath(root, 'agents/./a')).toThrow(/plain relative path/);
  });
});
