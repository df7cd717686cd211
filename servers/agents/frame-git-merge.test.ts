import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FrameRecord } from '../frames/state-store.js';
import { runCommand } from '../shared/run-command.js';
import { FrameGit } from './frame-git.js';

// FrameGit's merges over real git, with the frame's /workspace and /worktrees as temp directories
// here (test/agent-worktrees.test.ts runs the same inside a real frame).
let root: string;
let git: FrameGit;
const frame = { id: 'f', name: 'f' } as FrameRecord;
const at = (path: string) => path.replace(/^\/(workspace|worktrees)/, (_, d: string) => join(root, d));
const sh = (dir: string, script: string) => execFileSync('sh', ['-c', script], { cwd: at(dir), encoding: 'utf8' });
const author = { name: 'Optagon agent a', email: 'a@optagon.invalid' };

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'optagon-git-'));
  execFileSync('mkdir', ['-p', at('/workspace'), at('/worktrees')]);
  git = new FrameGit((_, argv) => runCommand(argv[0]!, argv.slice(1).map(at), { env: { ...process.env, HOME: root } }));
  writeFileSync(join(at('/workspace'), 'app.ts'), 'one\n');
  sh('/workspace', 'git init -q -b main && git add app.ts && git -c user.name=u -c user.email=u@x commit -qm first');
  for (const n of ['a', 'b'])
    await git.addWorktree(frame, { repo: '/workspace', path: `/worktrees/${n}`, branch: `optagon/${n}`, base: 'main' });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const merge = (n: string, strategy: 'merge' | 'squash' | 'rebase') =>
  git.merge(frame, {
    repo: '/workspace',
    worktree: `/worktrees/${n}`,
    branch: `optagon/${n}`,
    strategy,
    message: `Merge ${n}`,
    author,
  });

describe('FrameGit merges', () => {
  it('checkpoints everything, untracked too, as the fallback identity; nothing to commit is null', async () => {
    writeFileSync(join(at('/worktrees/a'), 'new.ts'), 'x\n');
    expect(await git.uncommitted(frame, '/worktrees/a', true)).toEqual(['new.ts']);
    expect(await git.uncommitted(frame, '/worktrees/a', false)).toEqual([]);
    expect(await git.commitAll(frame, '/worktrees/a', 'save', author)).toMatch(/^[0-9a-f]{40}$/);
    expect(sh('/worktrees/a', 'git log -1 --format=%an%n%s')).toBe('Optagon agent a\nsave\n');
    expect(await git.commitAll(frame, '/worktrees/a', 'again', author)).toBeNull();
  });

  it.each(['merge', 'squash', 'rebase'] as const)(
    '%s: brings the branch in, and a conflict changes nothing',
    async (strategy) => {
      writeFileSync(join(at('/worktrees/a'), 'app.ts'), 'two\n');
      writeFileSync(join(at('/worktrees/b'), 'app.ts'), 'three\n');
      await git.commitAll(frame, '/worktrees/a', 'a', author);
      await git.commitAll(frame, '/worktrees/b', 'b', author);
      expect(await merge('a', strategy)).toMatchObject({ status: 'merged', into: 'main' });
      expect(readFileSync(join(at('/workspace'), 'app.ts'), 'utf8')).toBe('two\n');
      const before = sh(
        '/workspace',
        'git status --porcelain; git rev-parse HEAD; git -C ' + at('/worktrees/b') + ' rev-parse HEAD',
      );
      expect(await merge('b', strategy)).toEqual({ status: 'conflict', into: 'main', files: ['app.ts'] });
      expect(
        sh(
          '/workspace',
          'git status --porcelain; git rev-parse HEAD; git -C ' + at('/worktrees/b') + ' rev-parse HEAD',
        ),
      ).toBe(before);
      expect(readFileSync(join(at('/workspace'), 'app.ts'), 'utf8')).toBe('two\n');
      expect(readFileSync(join(at('/worktrees/b'), 'app.ts'), 'utf8')).toBe('three\n');
    },
  );

  it('after the agent rebases onto the branch it came from, its diff holds only its own work; checkpoints compare', async () => {
    const base = sh('/workspace', 'git rev-parse HEAD').trim();
    writeFileSync(join(at('/worktrees/a'), 'a.ts'), 'a\n');
    await git.commitAll(frame, '/worktrees/a', 'a', author);
    expect(await merge('a', 'merge')).toMatchObject({ status: 'merged' });
    writeFileSync(join(at('/worktrees/b'), 'b.ts'), 'b1\n');
    const first = await git.commitAll(frame, '/worktrees/b', 'first', author);
    writeFileSync(join(at('/worktrees/b'), 'b.ts'), 'b2\n');
    const second = await git.commitAll(frame, '/worktrees/b', 'second', author);
    sh('/worktrees/b', 'git -c user.name=u -c user.email=u@x rebase -q main');
    const diff = await git.diff(frame, '/worktrees/b', base, { into: 'main' });
    expect(diff.files.map((f) => f.path)).toEqual(['b.ts']); // not a.ts, which came with main
    expect(diff.base).toBe(sh('/workspace', 'git rev-parse main').trim());
    expect(diff.checkpoints.map((c) => c.subject)).toEqual(['second', 'first']);
    // Without the branch it came from, the recorded base: main's merge shows too.
    expect((await git.diff(frame, '/worktrees/b', base)).files.map((f) => f.path)).toEqual(['a.ts', 'b.ts']);
    // Between its checkpoints (ids as rebased), and a commit not on its branch refused.
    const [newer, older] = diff.checkpoints.map((c) => c.commit);
    const between = await git.diff(frame, '/worktrees/b', base, { from: older!, to: newer! });
    expect(between.patch).toContain('-b1\n+b2');
    expect(first).not.toBe(older); // rebased: new ids
    await expect(git.diff(frame, '/worktrees/b', base, { from: first! })).rejects.toThrow(
      /not a commit of this agent's branch/,
    );
    await expect(git.diff(frame, '/worktrees/b', base, { to: 'deadbeef' })).rejects.toThrow(/names no commit/);
    expect(second).toBeTruthy();
  });

  it('copies the untracked files .worktreeinclude names into a new work tree, and nothing else', async () => {
    writeFileSync(join(at('/workspace'), '.gitignore'), '.env\nnode_modules/\n*.log\n');
    writeFileSync(join(at('/workspace'), '.worktreeinclude'), '.env\nconfig/local.json\n');
    writeFileSync(join(at('/workspace'), '.env'), 'SECRET=1\n');
    writeFileSync(join(at('/workspace'), 'debug.log'), 'x\n');
    execFileSync('mkdir', ['-p', join(at('/workspace'), 'config')]);
    writeFileSync(join(at('/workspace'), 'config/local.json'), '{}\n');
    const made = await git.addWorktree(frame, {
      repo: '/workspace',
      path: '/worktrees/c',
      branch: 'optagon/c',
    });
    expect(made).toMatchObject({ into: 'main' });
    expect(readFileSync(join(at('/worktrees/c'), '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(at('/worktrees/c'), 'config/local.json'), 'utf8')).toBe('{}\n');
    expect(() => readFileSync(join(at('/worktrees/c'), 'debug.log'))).toThrow(/ENOENT/);
    // A commit as base: nothing to merge back into by name.
    const head = sh('/workspace', 'git rev-parse HEAD').trim();
    expect(
      await git.addWorktree(frame, { repo: '/workspace', path: '/worktrees/d', branch: 'optagon/d', base: head }),
    ).toEqual({ base: head, into: null });
  });

  it('a squash of nothing new, and a detached /workspace, are clear errors', async () => {
    await expect(merge('a', 'squash')).rejects.toThrow(/holds nothing that main does not have already/);
    sh('/workspace', 'git checkout -q --detach');
    await expect(merge('a', 'merge')).rejects.toThrow(/detached HEAD/);
  });
});
