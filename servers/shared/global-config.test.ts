import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGlobalConfig, updateGlobalConfig } from './global-config.js';
import { defaultSocketRoot } from './user-runtime-dir.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optagon-config-'));
  file = join(dir, 'config.yaml');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadGlobalConfig', () => {
  it.each([
    ['a missing file', null],
    ['an empty file', ''],
    ['a file of only comments', '# nothing set yet\n'],
  ])('gives the defaults for %s', (_, text) => {
    if (text !== null) writeFileSync(file, text);
    const config = loadGlobalConfig(file);
    expect(config.frames.port_range).toEqual({ start: 33000, end: 34000 });
    expect(config.frames.socket_root).toBe(defaultSocketRoot());
    expect(config.frames.image).toBe('localhost/optagon-frame:latest');
    expect(config.frames.bind_address).toBe('127.0.0.1');
    expect(config.podman.binary).toBe('podman');
    expect(config.podman.runtime).toBeUndefined();
  });

  it("the host browser's reach and user: none beyond frames and nobody by default; an entry that is no origin is refused", () => {
    expect(loadGlobalConfig(file).browser).toMatchObject({ allowed_origins: [], run_as: 'nobody' });
    writeFileSync(file, 'browser:\n  allowed_origins: [http://127.0.0.1:5173, "*"]\n  run_as: "1000:1000"\n');
    expect(loadGlobalConfig(file).browser).toMatchObject({
      allowed_origins: ['http://127.0.0.1:5173', '*'],
      run_as: '1000:1000',
    });
    writeFileSync(file, 'browser:\n  allowed_origins: [http://127.0.0.1:5173/admin]\n');
    expect(() => loadGlobalConfig(file)).toThrow(
      /browser\.allowed_origins\.0: an origin like http:\/\/127\.0\.0\.1:5173/,
    );
  });

  it('fills defaults around the values a file sets', () => {
    writeFileSync(file, 'frames:\n  port_range:\n    start: 33500\n  image: localhost/mine:1\n');
    const config = loadGlobalConfig(file);
    expect(config.frames.port_range).toEqual({ start: 33500, end: 34000 });
    expect(config.frames.image).toBe('localhost/mine:1');
    expect(config.frames.socket_root).toBe(defaultSocketRoot());
  });

  it('rejects invalid YAML with an error naming the file', () => {
    writeFileSync(file, 'frames: [unclosed\n');
    expect(() => loadGlobalConfig(file)).toThrow(`${file} is not valid YAML`);
  });

  it('rejects a port range whose start is above its end, naming the file and the path', () => {
    writeFileSync(file, 'frames:\n  port_range:\n    start: 34000\n    end: 33000\n');
    expect(() => loadGlobalConfig(file)).toThrow(
      `${file}: frames.port_range: port_range.start must not be above port_range.end`,
    );
  });

  it('rejects a value of the wrong type, naming the path and how to recover', () => {
    writeFileSync(file, 'frames:\n  port_range:\n    start: lots\n');
    expect(() => loadGlobalConfig(file)).toThrow(
      new RegExp(`^${file}: frames\\.port_range\\.start: .*remove it to use the default`),
    );
  });
});

describe('updateGlobalConfig', () => {
  it('sets values and keeps the comments and settings already there', () => {
    writeFileSync(
      file,
      [
        '# my optagon settings',
        'frames:',
        '  # keep frames off the busy ports',
        '  port_range:',
        '    start: 40000',
        '    end: 40100',
        '',
      ].join('\n'),
    );
    updateGlobalConfig(file, [
      [['podman', 'runtime'], 'crun'],
      [['podman', 'ulimits'], { nofile: 1024, nproc: 512 }],
    ]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my optagon settings');
    expect(text).toContain('# keep frames off the busy ports');
    const config = loadGlobalConfig(file);
    expect(config.frames.port_range).toEqual({ start: 40000, end: 40100 });
    expect(config.podman.runtime).toBe('crun');
    expect(config.podman.ulimits).toEqual({ nofile: 1024, nproc: 512 });
  });

  it('creates the file (and its directory) when missing', () => {
    const nested = join(dir, 'home', 'config.yaml');
    updateGlobalConfig(nested, [[['frames', 'image'], 'localhost/custom:1']]);
    expect(loadGlobalConfig(nested).frames.image).toBe('localhost/custom:1');
  });
});
