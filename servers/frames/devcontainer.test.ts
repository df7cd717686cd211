import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDevcontainer, readDevcontainer } from './devcontainer.js';

const FILE = '.devcontainer/devcontainer.json';

describe('parseDevcontainer', () => {
  it('reads a realistic file with comments and trailing commas', () => {
    const text = `// Made by VS Code's "Add Dev Container Configuration Files"
{
  "name": "web",
  "image": "mcr.microsoft.com/devcontainers/typescript-node:20", /* not used by Optagon */
  "forwardPorts": [3000, "5173", "localhost:9229", 3000,],
  "containerEnv": {
    "NODE_ENV": "development", // the app's mode
    "PATH_EXTRA": "/opt/bin",
  },
  "postCreateCommand": "npm ci",
  "postStartCommand": "npm run dev",
  "hostRequirements": { "cpus": 4, "memory": "8gb", },
  "customizations": { "vscode": { "extensions": ["dbaeumer.vscode-eslint"] } },
}
`;
    expect(parseDevcontainer(text, FILE)).toEqual({
      file: FILE,
      ports: [3000, 5173, 9229],
      env: { NODE_ENV: 'development', PATH_EXTRA: '/opt/bin' },
      setup: ['npm ci'],
      start: [{ name: 'start', command: 'npm run dev' }],
      resources: { cpus: 4, memory: '8g' },
      warnings: [],
    });
  });

  it('a file without the fields Optagon reads gives nothing but its name', () => {
    expect(parseDevcontainer('{ "image": "debian" }', FILE)).toEqual({ file: FILE, warnings: [] });
  });

  it('postCreateCommand as a string, an argv array and an object', () => {
    expect(parseDevcontainer('{ "postCreateCommand": "npm ci && npm run build" }', FILE).setup).toEqual([
      'npm ci && npm run build',
    ]);
    // argv runs without a shell in the spec: quoting every element keeps $, ; and ' literal.
    const argv = parseDevcontainer(`{ "postCreateCommand": ["echo", "it's $HOME; rm -rf /"] }`, FILE).setup!;
    expect(argv).toEqual([`'echo' 'it'\\''s $HOME; rm -rf /'`]);
    expect(execFileSync('sh', ['-c', argv[0]!], { encoding: 'utf8' })).toBe("it's $HOME; rm -rf /\n");
    expect(
      parseDevcontainer('{ "postCreateCommand": { "deps": "npm ci", "db": ["./scripts/db.sh", "init"] } }', FILE).setup,
    ).toEqual(['npm ci', `'./scripts/db.sh' 'init'`]);
  });

  it('postCreateCommand values that are not commands are skipped with a warning', () => {
    const values = parseDevcontainer(
      `{ "postCreateCommand": { "ok": "make", "num": 3, "empty": [], "long": "${'x'.repeat(10_001)}" } }`,
      FILE,
    );
    expect(values.setup).toEqual(['make']);
    expect(values.warnings).toHaveLength(3);
    expect(values.warnings.join('\n')).toMatch(/"num".*"empty".*"long"/s);
  });

  it('postStartCommand as an object is one named command per key; bad window names are skipped', () => {
    const values = parseDevcontainer(
      `{ "postStartCommand": { "server": "npm run dev", "watch": ["npm", "run", "watch"], "bad name": "x", "-x": "y" } }`,
      FILE,
    );
    expect(values.start).toEqual([
      { name: 'server', command: 'npm run dev' },
      { name: 'watch', command: `'npm' 'run' 'watch'` },
    ]);
    expect(values.warnings).toHaveLength(2);
    expect(values.warnings.join('\n')).toMatch(/"bad name".*tmux window/s);
  });

  it('postStartCommand as an argv array is one command named start', () => {
    expect(parseDevcontainer('{ "postStartCommand": ["npm", "start"] }', FILE).start).toEqual([
      { name: 'start', command: `'npm' 'start'` },
    ]);
  });

  it('forwardPorts keeps the container ports and skips others such as "db:5432"', () => {
    const values = parseDevcontainer('{ "forwardPorts": ["db:5432", 8080, 0, 70000, 1.5, "8080", true] }', FILE);
    expect(values.ports).toEqual([8080]);
    expect(values.warnings).toHaveLength(5);
    expect(values.warnings[0]).toMatch(/"db:5432" is skipped/);
  });

  it('memory sizes become podman units; storage is ignored with a warning', () => {
    const memory = (value: unknown) =>
      parseDevcontainer(JSON.stringify({ hostRequirements: { memory: value } }), FILE).resources?.memory;
    expect(memory('4gb')).toBe('4g');
    expect(memory('512mb')).toBe('512m');
    expect(memory('2TB')).toBe('2048g');
    expect(memory(1073741824)).toBe('1073741824');
    expect(memory('1073741824')).toBe('1073741824');
    expect(memory('1.5gb')).toBeUndefined();
    expect(memory('0gb')).toBeUndefined();
    const values = parseDevcontainer('{ "hostRequirements": { "cpus": 2, "storage": "32gb" } }', FILE);
    expect(values.resources).toEqual({ cpus: 2 });
    expect(values.warnings).toEqual([expect.stringMatching(/storage is ignored/)]);
  });

  it('containerEnv skips bad names, non-strings and ${...} substitution, each with a warning', () => {
    const values = parseDevcontainer(
      JSON.stringify({
        containerEnv: {
          GOOD: 'yes',
          '1BAD': 'x',
          'A-B': 'x',
          NUM: 3,
          HOME_COPY: '${localEnv:HOME}',
          P: '${containerEnv:PATH}:/x',
          PEM: 'line one\nline two',
        },
      }),
      FILE,
    );
    expect(values.env).toEqual({ GOOD: 'yes' });
    expect(values.warnings).toHaveLength(6);
    expect(values.warnings).toContain(
      'containerEnv PEM is skipped: its value should be one line of text without NUL, not several lines.',
    );
    expect(values.warnings.filter((w) => /substitution/.test(w))).toHaveLength(2);
  });

  it('a field of the wrong type is a warning, not a crash', () => {
    const values = parseDevcontainer(
      '{ "forwardPorts": "3000", "containerEnv": [], "postCreateCommand": 5, "hostRequirements": null }',
      FILE,
    );
    expect(values).toEqual({ file: FILE, warnings: expect.any(Array) });
    expect(values.warnings).toEqual([
      'forwardPorts is skipped: it should be a list of ports, not a string.',
      'containerEnv is skipped: it should be an object of names and values, not an array.',
      'postCreateCommand is skipped: it should be a string, an array or an object, not a number.',
      'hostRequirements is skipped: it should be an object, not null.',
    ]);
  });

  it('a syntax error names the file, line and column, and what to do', () => {
    const text = '{\n  "forwardPorts": [3000],\n  "name": ,\n}';
    expect(() => parseDevcontainer(text, FILE)).toThrow(
      '.devcontainer/devcontainer.json line 3 column 11: ValueExpected; fix the file or remove it (Optagon reads forwardPorts, containerEnv, postCreateCommand, postStartCommand and hostRequirements from it)',
    );
  });

  it('a top level that is not an object is refused with what to do', () => {
    expect(() => parseDevcontainer('[1, 2]', FILE)).toThrow(/top level is an array, not an object; fix the file/);
    expect(() => parseDevcontainer('', FILE)).toThrow(/line 1 column 1: ValueExpected/);
  });

  it('a byte order mark is allowed, as VS Code allows it', () => {
    expect(parseDevcontainer('\uFEFF{ "forwardPorts": [3000] }', FILE).ports).toEqual([3000]);
  });
});

/** Each case is what a process in a frame can plant in its workspace before Optagon reads it. */
describe('readDevcontainer', () => {
  let workspace: string;
  let outside: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'optagon-devcontainer-'));
    outside = mkdtempSync(join(tmpdir(), 'optagon-host-only-'));
  });
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('no file is undefined', () => {
    expect(readDevcontainer(workspace)).toBeUndefined();
    expect(readDevcontainer(join(workspace, 'missing'))).toBeUndefined();
  });

  it('.devcontainer/devcontainer.json is preferred over .devcontainer.json', () => {
    writeFileSync(join(workspace, '.devcontainer.json'), '{ "forwardPorts": [2222] }');
    expect(readDevcontainer(workspace)).toMatchObject({ file: '.devcontainer.json', ports: [2222] });
    mkdirSync(join(workspace, '.devcontainer'));
    writeFileSync(join(workspace, '.devcontainer', 'devcontainer.json'), '{ "forwardPorts": [3000] }');
    expect(readDevcontainer(workspace)).toMatchObject({ file: '.devcontainer/devcontainer.json', ports: [3000] });
  });

  it('a symlink at .devcontainer.json to a file outside is treated as absent', () => {
    writeFileSync(join(outside, 'secret.json'), '{ "containerEnv": { "TOKEN": "host-only" } }');
    symlinkSync(join(outside, 'secret.json'), join(workspace, '.devcontainer.json'));
    expect(readDevcontainer(workspace)).toBeUndefined();
  });

  it('a symlinked .devcontainer directory is not followed; the other file is used', () => {
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(outside, 'dir', 'devcontainer.json'), '{ "forwardPorts": [1] }');
    symlinkSync(join(outside, 'dir'), join(workspace, '.devcontainer'));
    writeFileSync(join(workspace, '.devcontainer.json'), '{ "forwardPorts": [2] }');
    expect(readDevcontainer(workspace)).toMatchObject({ file: '.devcontainer.json', ports: [2] });
  });

  it('a FIFO is treated as absent without hanging', () => {
    mkdirSync(join(workspace, '.devcontainer'));
    execFileSync('mkfifo', [join(workspace, '.devcontainer', 'devcontainer.json')]);
    execFileSync('mkfifo', [join(workspace, '.devcontainer.json')]);
    expect(readDevcontainer(workspace)).toBeUndefined();
  });

  it('a file over 256 KiB is refused with a clear error', () => {
    writeFileSync(join(workspace, '.devcontainer.json'), `{ "name": "${'x'.repeat(256 * 1024)}" }`);
    expect(() => readDevcontainer(workspace)).toThrow(
      /^\.devcontainer\.json is larger than 256 KiB, too big to be a devcontainer\.json; shorten it or remove it/,
    );
  });

  it('a file of exactly 256 KiB is read', () => {
    const text = '{ "forwardPorts": [3000] }';
    writeFileSync(join(workspace, '.devcontainer.json'), text + ' '.repeat(256 * 1024 - text.length));
    expect(readDevcontainer(workspace)?.ports).toEqual([3000]);
  });
});
