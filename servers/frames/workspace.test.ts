import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalConfigSchema } from '../shared/global-config.js';
import {
  checkFrameWorkspace,
  checkMountSource,
  checkWorkspace,
  resolveWorkspace,
  WorkspaceRefused,
  workspaceRules,
  type WorkspaceRules,
} from './workspace.js';

// Each case is a path a frame_create caller (or an old frame's record) could hand us to get a host
// directory mounted read-write into a container whose root may be host root.
let base: string; // a stand-in for the user's home: the allowed root
let optagonHome: string;
let socketRoot: string;
let rules: WorkspaceRules;
let project: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'optagon-ws-rules-')));
  optagonHome = join(base, '.optagon');
  socketRoot = join(base, 'sockets', 'frames');
  project = join(base, 'src', 'web');
  for (const dir of [
    join(optagonHome, 'data'),
    socketRoot,
    project,
    join(base, '.local', 'share', 'containers'),
    join(base, 'a'),
  ])
    mkdirSync(dir, { recursive: true });
  rules = {
    roots: [base],
    userHome: base,
    protected: [
      { path: optagonHome, what: "Optagon's home" },
      { path: socketRoot, what: "the frames' socket root" },
      { path: join(base, '.local', 'share', 'containers'), what: "podman's storage" },
    ],
  };
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const refused = (path: string) => {
  try {
    resolveWorkspace(path, rules);
  } catch (err) {
    expect(err).toBeInstanceOf(WorkspaceRefused);
    return (err as Error).message;
  }
  throw new Error(`${path} was accepted`);
};

describe('resolveWorkspace: what it lets through', () => {
  it('a project directory under a root, as its real path (also through a link to it)', () => {
    expect(resolveWorkspace(project, rules)).toBe(project);
    const link = join(base, 'web-link');
    symlinkSync(project, link);
    expect(resolveWorkspace(link, rules)).toBe(project);
  });
});

describe('resolveWorkspace: the attacks it stops', () => {
  it.each(['/etc', '/usr/lib', '/proc', '/proc/sys', '/dev', '/sys', '/boot', '/var/lib', '/run'])(
    'the system directory %s',
    (dir) => {
      expect(refused(dir)).toMatch(/inside the system directory \/\w+/);
    },
  );

  it("/root when it is not the user's home", () => {
    expect(refused('/root')).toBe(
      "workspace '/root' is inside the system directory /root; a frame gets its workspace read-write, so pass a project directory of yours",
    );
  });

  it('/ , also through a symlink', () => {
    expect(refused('/')).toBe('the workspace cannot be / ; pass a project directory');
    const link = join(base, 'root-link');
    symlinkSync('/', link);
    expect(refused(link)).toMatch(/cannot be \//);
  });

  it('/tmp and anything else outside the roots', () => {
    expect(refused('/tmp')).toMatch(/^workspace '\/tmp' holds Optagon's home/); // and here the socket root: both live in /tmp
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'optagon-ws-outside-')));
    try {
      expect(refused(outside)).toBe(
        `workspace '${outside}' is not under an allowed workspace root (frames.workspace_roots: ${base}); put the project under one, or add a directory above it to frames.workspace_roots in config.yaml`,
      );
    } finally {
      rmSync(outside, { recursive: true });
    }
  });

  it('a symlink under the root that points to /etc (checked on the real path)', () => {
    const link = join(base, 'innocent');
    symlinkSync('/etc', link);
    expect(refused(link)).toBe(
      `workspace '${link}' (real path /etc) is inside the system directory /etc; a frame gets its workspace read-write, so pass a project directory of yours`,
    );
  });

  it('a path that climbs out with ..', () => {
    const climb = `${base}/a/${'../'.repeat(base.split('/').length)}etc`;
    expect(refused(climb)).toMatch(/\(real path \/etc\) is inside the system directory \/etc/);
    expect(() => resolveWorkspace('a/../../etc', rules)).toThrow(
      /^workspace 'a\/\.\.\/\.\.\/etc' is not an absolute path/,
    );
  });

  it("Optagon's home, anything in it, and every directory holding it", () => {
    expect(refused(optagonHome)).toMatch(/is inside Optagon's home/);
    expect(refused(join(optagonHome, 'data'))).toMatch(/is inside Optagon's home/);
    expect(refused(base)).toMatch(/holds Optagon's home .*a folder below/);
  });

  it('the socket root and the directories holding it', () => {
    expect(refused(socketRoot)).toMatch(/is inside the frames' socket root/);
    expect(refused(join(base, 'sockets'))).toMatch(/holds the frames' socket root/);
  });

  it("podman's storage and its parents", () => {
    expect(refused(join(base, '.local', 'share', 'containers'))).toMatch(/is inside podman's storage/);
    expect(refused(join(base, '.local'))).toMatch(/holds podman's storage/);
  });

  it("':' and ',' (podman's volume syntax), in the path or behind a link", () => {
    for (const name of ['a:b', 'x:/etc', 'a,b', 'src,ro']) {
      const dir = join(base, 'src', name);
      mkdirSync(dir, { recursive: true });
      expect(refused(dir)).toBe(
        `workspace '${dir}' has ':' or ',' in its path, which podman's volume syntax cannot carry; rename the directory`,
      );
    }
    const link = join(base, 'src', 'plain');
    symlinkSync(join(base, 'src', 'a:b'), link);
    expect(refused(link)).toMatch(/leads to ".*a:b", with ':', ',' or control characters in its real path/);
    const escLink = join(base, 'src', 'esc-link');
    mkdirSync(join(base, 'src', 'x\x1b[2J'));
    symlinkSync(join(base, 'src', 'x\x1b[2J'), escLink);
    expect(refused(escLink)).not.toContain('\x1b');
  });

  it('control characters (terminal escapes) in the path', () => {
    const dir = join(base, 'src', 'evil\x1b]0;pwned\x07');
    mkdirSync(dir);
    expect(refused(dir)).toMatch(/has control characters in its path/);
    expect(refused(dir)).not.toContain('\x1b');
  });

  it('missing paths, files and relative paths stay plain errors, not refusals', () => {
    const missing = join(project, 'nope');
    expect(() => resolveWorkspace(missing, rules)).toThrow(
      `workspace '${missing}' does not exist; create it first (mkdir -p ${missing})`,
    );
    const file = join(base, 'README.md');
    writeFileSync(file, 'hi');
    expect(() => resolveWorkspace(file, rules)).toThrow(`workspace '${file}' is not a directory`);
    expect(() => resolveWorkspace('projects/web', rules)).toThrow(
      `workspace 'projects/web' is not an absolute path; pass it in full, e.g. ${join(process.cwd(), 'projects/web')}`,
    );
    for (const path of [missing, file, 'projects/web'])
      expect(() => resolveWorkspace(path, rules)).not.toThrow(WorkspaceRefused);
  });
});

describe('workspaceRules from the configuration', () => {
  const config = (frames: Record<string, unknown>) => globalConfigSchema.parse({ frames });

  it("default root: the user's home, whose own dot-folders stay out of reach", () => {
    expect(globalConfigSchema.parse({}).frames.workspace_roots).toEqual([homedir()]);
    const r = workspaceRules(globalConfigSchema.parse({}), join(homedir(), '.optagon'));
    expect(r.roots).toEqual([homedir()]);
    // The home itself holds OPTAGON_HOME (and podman's storage): never a workspace.
    expect(() => resolveWorkspace(homedir(), r)).toThrow(/holds (Optagon's home|podman's storage)/);
  });

  it('OPTAGON_HOME and the socket root come from the home and the config', () => {
    const c = config({ workspace_roots: [base], socket_root: socketRoot });
    expect(checkWorkspace(project, c, optagonHome)).toBe(project);
    expect(() => checkWorkspace(optagonHome, c, optagonHome)).toThrow(/inside Optagon's home \(OPTAGON_HOME/);
    expect(() => checkWorkspace(socketRoot, c, optagonHome)).toThrow(
      /inside the frames' socket root \(frames\.socket_root\)/,
    );
    expect(() => checkWorkspace('/var/lib/containers', c, optagonHome)).toThrow(
      /system directory \/var|podman's storage/,
    );
  });

  it('a frame made before the rule is refused at start, saying how to make it again', () => {
    const c = config({ workspace_roots: [base], socket_root: socketRoot });
    expect(() => checkFrameWorkspace({ name: 'old', workspacePath: '/etc' }, c, optagonHome)).toThrow(
      "frame 'old' cannot start: workspace '/etc' is inside the system directory /etc; a frame gets its workspace read-write, so pass a project directory of yours. " +
        'It was made before this rule held (or the configuration changed); destroy it (`optagon frame destroy old`; the workspace is kept) and create it again ' +
        'on a project directory under frames.workspace_roots (`optagon frame create old --workspace <dir>`)',
    );
    // A workspace that is merely gone keeps its own message.
    expect(() => checkFrameWorkspace({ name: 'old', workspacePath: join(project, 'gone') }, c, optagonHome)).toThrow(
      /does not exist; create it first/,
    );
  });

  it('a mount source follows the workspace rules, and is never in or around a frame workspace (frames write there)', () => {
    const c = config({ workspace_roots: [base], socket_root: socketRoot });
    mkdirSync(join(base, 'datasets', 'public'), { recursive: true });
    expect(checkMountSource(join(base, 'datasets'), c, optagonHome, [project])).toBe(join(base, 'datasets'));
    expect(() => checkMountSource('/etc', c, optagonHome, [project])).toThrow(
      "invalid frame config at 'mounts': mount source '/etc' is inside the system directory /etc",
    );
    mkdirSync(join(project, 'sub'), { recursive: true });
    for (const inside of [join(project, 'sub'), project, join(base, 'src')])
      expect(() => checkMountSource(inside, c, optagonHome, [project]), inside).toThrow(
        /is in or around the frame workspace .*, which frames write/,
      );
  });
});
