import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, writeFileRule, isAgentTurn, lastToolResults, lastUserText } from './support/fake-anthropic.js';
import { createTestHome, type TestHome } from './support/test-home.js';

const fake = new FakeAnthropic([
  writeFileRule,
  { name: 'done', when: (r) => isAgentTurn(r) && lastToolResults(r).length > 0, reply: { text: 'Written.' } },
]);

const worktreeOf = (name: string) => `/worktrees/${name}`;

/** Agents in parallel, each in a git work tree and branch of its own, in a real frame with the real `claude`. */
describe('agents in work trees of their own (real podman, git and claude)', () => {
  let home: TestHome;
  let ws: string;
  const inFrame = async (script: string) => {
    const r = await home.services.frames.exec(home.services.frames.resolve('wt'), ['sh', '-c', script]);
    if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };
  const userTree = () =>
    inFrame('cd /workspace && git status --porcelain && git rev-parse HEAD && git branch --show-current');

  beforeAll(async () => {
    await fake.start();
    home = await createTestHome(33575, 3);
    ws = home.workspace('wt', { 'app.ts': 'export const answer = 41;\n', 'notes.txt': 'mine, never committed\n' });
    await home.ok('frame_create', { name: 'wt', workspace: ws });
    await home.ok('frame_config_set', {
      frame: 'wt',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
      },
    });
    await home.ok('frame_start', { frame: 'wt' });
    await inFrame(
      'cd /workspace && git init -q -b main && git add app.ts && git -c user.name=u -c user.email=u@example.com commit -qm first',
    );
  }, 300_000);
  afterAll(async () => {
    await home?.cleanup();
    await fake.close();
  });

  it('two agents spawned at once edit the same file differently; each diff is exactly its own, and /workspace is untouched', async () => {
    const before = await userTree();
    const [a, b] = await Promise.all(
      ['a', 'b'].map((name, i) =>
        home.ok('agent_spawn', {
          frame: 'wt',
          name,
          task: `Write 'export const answer = ${42 + i};' into ${worktreeOf(name)}/app.ts`,
        }),
      ),
    );
    const base = (await inFrame('git -C /workspace rev-parse HEAD')).trim();
    expect(a!.agent.worktree).toEqual({ path: worktreeOf('a'), branch: 'optagon/a', base, into: 'main' });
    expect(b!.agent.worktree).toEqual({ path: worktreeOf('b'), branch: 'optagon/b', base, into: 'main' });
    for (const name of ['a', 'b']) {
      const waited = await home.ok('agent_wait', { agent: `wt/${name}`, until: 'idle', timeout_ms: 120_000 });
      expect(waited.reached).toBe(true);
    }

    const diffA = await home.ok('agent_diff', { agent: 'wt/a' });
    const diffB = await home.ok('agent_diff', { agent: 'wt/b' });
    expect(diffA.files).toEqual([{ path: 'app.ts', added: 1, removed: 1 }]);
    expect(diffA.patch).toContain('+export const answer = 42;');
    expect(diffA.patch).not.toContain('43');
    expect(diffB.files).toEqual([{ path: 'app.ts', added: 1, removed: 1 }]);
    expect(diffB.patch).toContain('+export const answer = 43;');
    expect(diffB.patch).not.toContain('42');
    expect(await home.ok('agent_diff', { agent: 'wt/a', stat: true })).toMatchObject({ patch: '', files: diffA.files });

    // The user's tree: the same status, HEAD and branch, the same bytes.
    expect(await userTree()).toBe(before);
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 41;\n');
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine, never committed\n');
  });

  it('checkpoint and merge: the first merges; the second conflicts and changes nothing; rebased, it merges', async () => {
    expect(await home.fails('agent_merge', { agent: 'wt/a' })).toMatch(
      /changes not committed \(app\.ts\).*agent_checkpoint/,
    );
    const first = await home.ok('agent_checkpoint', { agent: 'wt/a', message: 'The answer is 42' });
    expect(first).toMatchObject({
      agent: 'wt/a',
      branch: 'optagon/a',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect((await home.ok('agent_checkpoint', { agent: 'wt/a' })).commit).toBeNull();
    expect(await inFrame('git -C /worktrees/a log -1 --format=%an')).toBe('Optagon agent a');

    // Your own uncommitted change to a tracked file stops a merge, and is left as it was.
    await inFrame("cd /workspace && printf 'mine\\n' >> app.ts");
    expect(await home.fails('agent_merge', { agent: 'wt/a' })).toMatch(/uncommitted changes \(app\.ts\)/);
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 41;\nmine\n');
    await inFrame('cd /workspace && git checkout -q -- app.ts');

    const merged = await home.ok('agent_merge', { agent: 'wt/a' });
    expect(merged).toMatchObject({
      status: 'merged',
      into: 'main',
      files: [],
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 42;\n');
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine, never committed\n');
    // What was merged is no longer the agent's diff.
    expect((await home.ok('agent_diff', { agent: 'wt/a' })).files).toEqual([]);

    await home.ok('agent_checkpoint', { agent: 'wt/b' });
    const before = await userTree();
    const conflict = await home.ok('agent_merge', { agent: 'wt/b' });
    expect(conflict).toEqual({
      agent: 'wt/b',
      branch: 'optagon/b',
      into: 'main',
      status: 'conflict',
      commit: null,
      files: ['app.ts'],
    });
    expect(await userTree()).toBe(before);
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 42;\n');
    expect(await inFrame('test -e /workspace/.git/MERGE_HEAD && echo merging || echo clean')).toBe('clean');

    // The agent rebases onto main and resolves the conflict (here by hand, as it would), then it merges.
    await inFrame(
      "cd /worktrees/b && (git rebase -q main || true) && printf 'export const answer = 42 + 1;\\n' > app.ts && git add app.ts && " +
        'GIT_EDITOR=true git -c user.name=b -c user.email=b@example.com rebase --continue',
    );
    const rebased = await home.ok('agent_merge', { agent: 'wt/b', strategy: 'rebase' });
    expect(rebased).toMatchObject({ status: 'merged', into: 'main' });
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe('export const answer = 42 + 1;\n');
    expect(await inFrame('git -C /workspace log --format=%s main')).toContain('The answer is 42');
  });

  it('a review comment reaches the agent as its next message, with the file and line', async () => {
    const sent = fake.requests.length;
    await home.ok('agent_comment', { agent: 'wt/a', file: 'app.ts', line: 1, text: 'Name the constant in capitals.' });
    await home.ok('agent_wait', { agent: 'wt/a', until: 'idle', timeout_ms: 120_000 });
    const texts = fake.requests.slice(sent).map((r) => lastUserText(r));
    expect(texts.some((t) => t.includes('Review comment on app.ts, line 1: Name the constant in capitals.'))).toBe(
      true,
    );
    expect(await home.fails('agent_comment', { agent: 'wt/a', file: 'a\nb', text: 'x' })).toMatch(/one line/);
  });

  it('discard asks for confirm, then ends the agent and removes its work tree and branch only', async () => {
    expect(await home.fails('agent_discard', { agent: 'wt/b' })).toMatch(/confirm: true/);
    const before = await userTree();
    const { agent } = await home.ok('agent_discard', { agent: 'wt/b', confirm: true });
    expect(agent).toMatchObject({ state: 'exited', worktree: null });
    expect(await inFrame(`test -e ${worktreeOf('b')} && echo there || echo gone`)).toBe('gone');
    const branches = await inFrame('git -C /workspace branch --list');
    expect(branches).not.toContain('optagon/b');
    expect(branches).toContain('optagon/a');
    expect(await userTree()).toBe(before);
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine, never committed\n');
    expect(await home.fails('agent_diff', { agent: 'wt/b' })).toMatch(/no changes of its own/);
  });

  it('workspace: shared works in /workspace itself, and a bad base is a clear error that leaves nothing behind', async () => {
    const shared = await home.ok('agent_spawn', { frame: 'wt', name: 'c', workspace: 'shared' });
    expect(shared.agent.worktree).toBeNull();
    await home.ok('agent_stop', { agent: 'wt/c' });
    expect(await home.fails('agent_spawn', { frame: 'wt', name: 'd', base: 'no-such-branch' })).toMatch(
      /resolving 'no-such-branch' in frame 'wt' failed/,
    );
    expect(await inFrame('git -C /workspace branch --list')).not.toContain('optagon/d');
    expect(await home.fails('agent_spawn', { frame: 'wt', name: 'e', base: '--output=/etc/x' })).toMatch(
      /branch name or commit/,
    );
  });

  it('agents.branch_prefix names the branch; .worktreeinclude and agents.worktree_setup prepare the tree; a failed setup leaves nothing', async () => {
    await inFrame(
      "cd /workspace && printf '.env\\n' > .gitignore && printf 'KEY=1\\n' > .env && printf '.env\\n' > .worktreeinclude",
    );
    await home.ok('frame_config_set', {
      frame: 'wt',
      values: { agents: { branch_prefix: 'agent-', worktree_setup: 'ls -a > setup.out' } },
    });
    const { agent } = await home.ok('agent_spawn', { frame: 'wt', name: 'f' });
    expect(agent.worktree).toMatchObject({ path: worktreeOf('f'), branch: 'agent-f' });
    expect(await inFrame('cat /worktrees/f/.env')).toBe('KEY=1');
    expect(await inFrame('cat /worktrees/f/setup.out')).toMatch(/^\.env$/m); // the setup ran in the tree, after the copy
    await home.ok('agent_discard', { agent: 'wt/f', confirm: true });

    await home.ok('frame_config_set', {
      frame: 'wt',
      values: { agents: { worktree_setup: 'echo no network here >&2; exit 3' } },
    });
    expect(await home.fails('agent_spawn', { frame: 'wt', name: 'g' })).toMatch(
      /agents\.worktree_setup failed in \/worktrees\/g of frame 'wt' \(exit 3\).*optagon frame config wt --edit[^]*no network here/,
    );
    expect(await inFrame('git -C /workspace branch --list')).not.toContain('agent-g');
    expect(await inFrame(`test -e ${worktreeOf('g')} && echo there || echo gone`)).toBe('gone');
    expect(await home.fails('frame_config_set', { frame: 'wt', values: { agents: { branch_prefix: '-x/' } } })).toMatch(
      /branch name prefix/,
    );
    await home.ok('frame_config_set', {
      frame: 'wt',
      values: { agents: { branch_prefix: null, worktree_setup: null } },
    });
  });
});
