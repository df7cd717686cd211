import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameGit } from '../servers/agents/frame-git.js';
import type { FrameRecord } from '../servers/frames/state-store.js';
import { createTestHome, type TestHome } from './support/test-home.js';

/** git run inside a real frame (podman exec): work trees made and removed, and their changes read. */
describe('git in a frame (real podman, real git)', () => {
  let home: TestHome;
  let ws: string;
  let frame: FrameRecord;
  let git: FrameGit;
  const sh = async (script: string) => {
    const r = await home.services.frames.exec(frame, ['sh', '-c', script]);
    if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };
  const WT = '/worktrees/a';

  beforeAll(async () => {
    home = await createTestHome(33570, 3);
    ws = home.workspace('repo', { 'app.ts': 'export const answer = 41;\n', 'notes.txt': 'mine, uncommitted\n' });
    await home.ok('frame_create', { name: 'g', workspace: ws });
    await home.ok('frame_start', { frame: 'g' });
    frame = home.services.frames.resolve('g');
    git = new FrameGit((f, argv) => home.services.frames.exec(f, argv));
    await sh(
      'cd /workspace && git init -q -b main && git add app.ts && git -c user.name=u -c user.email=u@example.com commit -qm first',
    );
  }, 300_000);
  afterAll(async () => home?.cleanup());

  it('knows a repository from a plain directory, and reads HEAD', async () => {
    expect(await git.isRepository(frame)).toBe(true);
    expect(await git.isRepository(frame, '/tmp')).toBe(false);
    const head = await git.head(frame);
    expect(head.branch).toBe('main');
    expect(head.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reads a work tree's committed, uncommitted and untracked changes, and leaves the user's tree as it was", async () => {
    const before = await sh('cd /workspace && git status --porcelain && git rev-parse HEAD');
    const made = await git.addWorktree(frame, { repo: '/workspace', path: WT, branch: 'optagon/a' });
    if (!('base' in made)) throw new Error(`no work tree: ${made.missing} missing`);
    const { base } = made;
    expect(base).toBe((await git.head(frame)).commit); // the checked-out branch, main, by default
    await sh(
      `cd ${WT} && sed -i s/41/42/ app.ts && git -c user.name=a -c user.email=a@example.com commit -qam 'the answer' && ` +
        `printf 'extra\\n' >> app.ts && printf 'new file\\n' > added.md && mkdir -p node_modules && echo x > node_modules/ignored.js && echo node_modules > .gitignore`,
    );
    const diff = await git.diff(frame, WT, base);
    expect(diff.files.map((f) => f.path).sort()).toEqual(['.gitignore', 'added.md', 'app.ts']);
    expect(diff.files.find((f) => f.path === 'app.ts')).toEqual({ path: 'app.ts', added: 2, removed: 1 });
    expect(diff.patch).toContain('+export const answer = 42;');
    expect(diff.patch).toContain('+extra');
    expect(diff.patch).toContain('+new file');
    expect(diff.truncated).toBe(false);
    expect(diff.bytes).toBe(Buffer.byteLength(diff.patch));
    // The tree's own index is untouched: the untracked file is still untracked there.
    expect(await sh(`cd ${WT} && git status --porcelain`)).toContain('?? added.md');

    const cut = await git.diff(frame, WT, base, { maxBytes: 100 });
    expect(cut).toMatchObject({ truncated: true, bytes: diff.bytes });
    expect(cut.patch).toBe(diff.patch.slice(0, 100));

    // The user's tree: the same status, HEAD and bytes as before.
    expect(await sh('cd /workspace && git status --porcelain && git rev-parse HEAD')).toBe(before);
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 41;\n');
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine, uncommitted\n');
  });

  it('never reuses a branch that exists, and removes a work tree with its branch', async () => {
    await expect(
      git.addWorktree(frame, { repo: '/workspace', path: `${WT}-2`, branch: 'optagon/a', base: 'main' }),
    ).rejects.toThrow(/already has a branch 'optagon\/a'/);
    await git.removeWorktree(frame, { repo: '/workspace', path: WT, branch: 'optagon/a' });
    expect(await sh(`test -e ${WT} && echo there || echo gone`)).toBe('gone');
    expect(await sh('cd /workspace && git branch --list')).not.toContain('optagon/a');
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine, uncommitted\n');
  });

  it('answers what is missing for a work tree: a repository with a commit, or the directory it goes in', async () => {
    await sh('mkdir -p /tmp/plain');
    expect(await git.addWorktree(frame, { repo: '/tmp/plain', path: '/worktrees/x', branch: 'optagon/x' })).toEqual({
      missing: 'repository',
    });
    expect(await git.addWorktree(frame, { repo: '/workspace', path: '/nowhere/x', branch: 'optagon/x' })).toEqual({
      missing: 'directory',
    });
    expect(await sh('git -C /workspace branch --list')).not.toContain('optagon/x');
  });

  it("says what failed, with git's words", async () => {
    await expect(
      git.addWorktree(frame, { repo: '/workspace', path: `${WT}-3`, branch: 'optagon/b', base: 'no-such-branch' }),
    ).rejects.toThrow(/resolving 'no-such-branch' in frame 'g' failed/);
    await expect(git.diff(frame, WT, 'not-a-commit')).rejects.toThrow(/not a commit id/);
  });
});
