import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFramesServices } from '../frames/services.js';
import { openDatabase } from './sqlite.js';
import { OptagonHome } from './optagon-home.js';
import { ensurePrivateHome, withUmask } from './private-files.js';

// The attack: another local user reads the home (the bcrypt hash, the TOTP secret, token hashes, keys).
// Each test runs with the loose umask 022 a shell usually has, so only explicit modes and tightening count.
let parent: string;
let home: OptagonHome;
let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
  parent = mkdtempSync(join(tmpdir(), 'optagon-private-home-'));
  chmodSync(parent, 0o755);
  home = new OptagonHome(join(parent, 'home'));
});
afterEach(() => {
  process.umask(umask);
  rmSync(parent, { recursive: true, force: true });
});

const mode = (p: string) => lstatSync(p).mode & 0o777;
/** Every file and directory under the home that group or others can reach (links aside). */
function exposed(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.mode & 0o077) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) out.push(...exposed(p));
  }
  return out;
}

describe('private files', () => {
  it("a fresh home is the user's only: the home 0700, the database and its -wal and -shm 0600", async () => {
    const services = createFramesServices(home);
    const ws = mkdtempSync(join(parent, 'ws-'));
    services.close();
    writeFileSync(home.configFile, `frames:\n  workspace_roots: [${ws}]\n`);
    const again = createFramesServices(home);
    await again.frames.create({ name: 'web', workspace: ws }); // writes a config mirror
    try {
      expect(mode(home.root)).toBe(0o700);
      for (const f of [home.database, `${home.database}-wal`, `${home.database}-shm`]) expect(mode(f)).toBe(0o600);
      expect(exposed(home.root).filter((p) => !p.startsWith(home.configFile + ' '))).toEqual([]); // config.yaml: written by this test, tightened on the next open
    } finally {
      again.close();
    }
  });

  it('an older home left readable is tightened when it is opened, and opening again changes nothing', () => {
    // The layout as an Optagon before this change left it under umask 022.
    mkdirSync(home.root, { mode: 0o755 });
    for (const d of [home.dataDir, home.daemonLogDir, home.frameLogDir, home.frameDir('f1'), home.tlsDir, home.runDir])
      mkdirSync(d, { recursive: true, mode: 0o755 });
    const db = openDatabase(home.database, []);
    db.close();
    for (const f of [
      home.database,
      home.configFile,
      home.jwtKeyFile,
      home.tokenFile,
      home.frameConfigFile('f1'),
      home.frameSessionFile('f1'),
      join(home.daemonLogDir, 'daemon.1.log'),
      home.frameLogFile('f1'),
      join(home.tlsDir, 'key.pem'),
      join(home.tlsDir, 'cert.pem'),
      home.daemonRunFile,
    ]) {
      writeFileSync(f, 'x');
      chmodSync(f, 0o644);
    }
    const outside = join(parent, 'not-ours.txt');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(home.daemonLogDir, 'current.log')); // a link is never chmodded (that would change its target)
    expect(exposed(home.root).length).toBeGreaterThan(10);

    ensurePrivateHome(home);
    expect(exposed(home.root)).toEqual([]);
    expect(mode(outside)).toBe(0o644);
    expect(() => ensurePrivateHome(home)).not.toThrow();
  });

  it('a database opened anywhere is created 0600, and a loose one is tightened', () => {
    mkdirSync(home.root, { recursive: true });
    const file = join(home.root, 'other.db');
    openDatabase(file, ['CREATE TABLE t (x)']).close();
    expect(mode(file)).toBe(0o600);
    chmodSync(file, 0o644);
    openDatabase(file, ['CREATE TABLE t (x)']).close();
    expect(mode(file)).toBe(0o600);
  });

  it('withUmask sets the umask for what it spawns and puts it back', () => {
    process.umask(0o077);
    expect(withUmask(0o022, () => process.umask(0o022))).toBe(0o022);
    expect(process.umask(0o077)).toBe(0o077);
  });
});
