import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, lastToolResults, lastUserText, type MessagesRequest } from './support/fake-anthropic.js';
import { createTestHome, waitFor, type TestHome } from './support/test-home.js';

/** The system prompt's text, however the client sent it (a string, or Claude Code's blocks). */
const system = (r: MessagesRequest) => (typeof r.system === 'string' ? r.system : JSON.stringify(r.system ?? ''));
const isManager = (r: MessagesRequest, role: string) => system(r).includes(role);
const allText = (r: MessagesRequest) => JSON.stringify(r.messages);
/** A turn of a Claude Code agent (not the manager) whose newest prompt holds `text`. */
const agentPrompted = (r: MessagesRequest, text: string) =>
  !system(r).includes('manager') && lastUserText(r).includes(text);

const PLAN = {
  subtasks: [
    { title: 'Write alpha.txt', prompt: 'Please create alpha.txt holding the word alpha.', files: ['alpha.txt'] },
    { title: 'Write beta.txt', prompt: 'Please create beta.txt holding the word beta.', files: ['beta.txt'] },
  ],
};
/** Two subtasks naming the same directory: the second must wait for the first. */
const SHARED_PLAN = {
  subtasks: [
    { title: 'Shared one', prompt: 'Please create docs/one.md saying one.', files: ['docs/'] },
    { title: 'Shared two', prompt: 'Please create docs/two.md saying two.', files: ['docs/two.md'] },
  ],
};
const STORY_PLAN = { subtasks: [{ title: 'Tell a story', prompt: 'Please tell a very long story.', files: [] }] };
/** Two subtasks declaring different paths that both change README.md: the second conflicts at its merge. */
const CLASH_PLAN = {
  subtasks: [
    { title: 'Title one', prompt: 'Please put the line one into README.md.', files: ['README.md'] },
    { title: 'Title two', prompt: 'Please put the line two into README.md.', files: ['docs/two'] },
  ],
};
const GAMMA_PLAN = {
  subtasks: [{ title: 'Write gamma.txt', prompt: 'Please create gamma.txt holding gamma.', files: ['gamma.txt'] }],
};
const CORRECTION = 'Rewrite beta.txt so it holds the word beta in lower case.';
const PLANS: Array<[string, unknown]> = [
  ['story', STORY_PLAN],
  ['docs', SHARED_PLAN],
  ['README', CLASH_PLAN],
  ['gamma', GAMMA_PLAN],
];

/** The work tree the manager told this agent it works in (its first message says so). */
const workTree = (r: MessagesRequest) => /own git work tree, (\/worktrees\/[^,]+),/.exec(allText(r))?.[1] ?? '/nowhere';
/** The reviewer's request, as sent: its changes section is what the gate saw of an agent's work. */
const reviewed = (r: MessagesRequest) => allText(r).split("The agent's changes:")[1] ?? '';

/**
 * One fake model API for both sides: the manager (our providers, on the host) and the Claude Code
 * agents (the real `claude` binary, in the frame). Rules tell them apart by their system prompts.
 */
const fake = new FakeAnthropic([
  {
    name: 'classify',
    when: (r) => isManager(r, 'You classify a software task'),
    reply: { text: '{"type": "feature", "complexity": 0.4}' },
  },
  {
    name: 'plan',
    when: (r) => isManager(r, 'You are the manager of coding agents'),
    reply: (r) => ({
      // By the task's own line: the context and the file list after it name earlier tasks' words.
      text: JSON.stringify(PLANS.find(([word]) => lastUserText(r).split('\n')[0]!.includes(word))?.[1] ?? PLAN),
    }),
  },
  {
    name: 'review',
    when: (r) => isManager(r, 'You review the work of a coding agent'),
    reply: (r) => {
      const text = allText(r);
      if (!text.includes('Subtask \\"Write beta.txt\\"'))
        return { text: '{"accept": true, "reason": "it does what was asked"}' };
      // Beta: look at the agent's reply through a tool first, then judge the diff.
      if (!lastToolResults(r).length && !text.includes('tool_result'))
        return { toolUse: { name: 'agent_read', input: { agent: text.match(/agent (t[0-9a-f]{6}-2)/)![1] } } };
      // The changes show beta.txt as it is now on the agent's branch: JSON-escaped in the request.
      if (reviewed(r).includes('\\n+beta\\n')) return { text: '{"accept": true, "reason": "beta.txt now holds beta"}' };
      return {
        text: JSON.stringify({ accept: false, reason: 'beta.txt holds BETA in capitals', correction: CORRECTION }),
      };
    },
  },
  // First among the agents' rules: the curated context of a later task quotes earlier prompts.
  {
    name: 'agent never done',
    when: (r) => agentPrompted(r, 'Please tell a very long story'),
    reply: { text: 'Once upon a time '.repeat(300), chunkDelayMs: 500 },
  },
  {
    name: 'agent writes gamma',
    when: (r) => agentPrompted(r, 'Please create gamma.txt'),
    reply: (r) => ({
      toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/gamma.txt`, content: 'gamma\n' } },
    }),
  },
  ...(['one', 'two'] as const).map((line) => ({
    name: `agent writes ${line} into README.md`,
    when: (r: MessagesRequest) => agentPrompted(r, `Please put the line ${line} into README.md`),
    reply: (r: MessagesRequest) => ({
      toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/README.md`, content: `# demo\n${line}\n` } },
    }),
  })),
  {
    // The manager's rebase request: the agent rebases onto main and keeps both lines.
    name: 'agent rebases',
    when: (r) => agentPrompted(r, 'no longer merges cleanly into main'),
    reply: {
      toolUse: {
        name: 'Bash',
        input: {
          command:
            "git rebase main >/dev/null 2>&1; printf '# demo\\none\\ntwo\\n' > README.md && git add README.md && " +
            'GIT_EDITOR=true git -c user.name=agent -c user.email=agent@example.com rebase --continue',
          description: 'Rebase onto main',
        },
      },
    },
  },
  {
    name: 'agent writes one',
    when: (r) => agentPrompted(r, 'Please create docs/one.md'),
    reply: (r) => ({
      toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/docs/one.md`, content: 'one\n' } },
      chunkDelayMs: 100,
    }),
  },
  {
    name: 'agent writes two',
    when: (r) => agentPrompted(r, 'Please create docs/two.md'),
    reply: (r) => ({
      toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/docs/two.md`, content: 'two\n' } },
    }),
  },
  {
    name: 'agent writes alpha',
    when: (r) => agentPrompted(r, 'Please create alpha.txt'),
    reply: (r) => ({
      toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/alpha.txt`, content: 'alpha\n' } },
    }),
  },
  {
    name: 'agent writes BETA',
    when: (r) => agentPrompted(r, 'Please create beta.txt'),
    reply: (r) => ({ toolUse: { name: 'Write', input: { file_path: `${workTree(r)}/beta.txt`, content: 'BETA\n' } } }),
  },
  {
    // A command, so the frame's permission policy is asked (manager.behavior.permissions: allow).
    name: 'agent fixes beta',
    when: (r) => agentPrompted(r, CORRECTION),
    reply: {
      toolUse: {
        name: 'Bash',
        input: {
          command: `python3 -c "open('beta.txt', 'w').write('beta\\\\n')"`, // in its work tree
          description: 'Rewrite beta.txt',
        },
      },
    },
  },
  {
    name: 'agent done',
    when: (r) => !system(r).includes('manager') && lastToolResults(r).length > 0,
    reply: { text: 'Done.' },
  },
]);

describe('manager agent: plan, two Claude Code agents, the quality gate, and memory', () => {
  let home: TestHome;
  let ws: string;
  const git = (...args: string[]) =>
    execa('git', ['-C', ws, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
  beforeAll(async () => {
    await fake.start();
    home = await createTestHome(
      33320,
      20,
      `llm:\n  anthropic: { base_url: "http://127.0.0.1:${fake.port}", api_key: sk-ant-manager-test }\n`,
    );
    ws = home.workspace('mgr', { 'README.md': '# demo\n' });
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-qm', 'start');
    await home.ok('frame_create', { name: 'mgr', workspace: ws });
    await home.ok('frame_config_set', {
      frame: 'mgr',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
        manager: {
          provider: 'anthropic',
          model: 'claude-manager',
          routing: [{ condition: "task.step == 'review'", model: 'claude-reviewer' }],
        },
      },
    });
    await home.ok('frame_start', { frame: 'mgr' });
  }, 180_000);
  afterAll(async () => {
    await home?.cleanup();
    await fake.close();
  });

  it('plans two subtasks; both agents write their file; the gate accepts one and corrects the other; the task is remembered', async () => {
    const progress: string[] = [];
    const r = await home.client.callTool(
      { name: 'task_assign', arguments: { frame: 'mgr', task: 'Create alpha.txt and beta.txt', wait: true } },
      undefined,
      {
        timeout: 600_000,
        onprogress: (p) => progress.push(p.message ?? ''),
      },
    );
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const { task } = r.structuredContent as {
      task: {
        id: string;
        status: string;
        result: { subtasks: Array<{ title: string; status: string; corrections: string[] }>; episode?: string };
      };
    };
    expect(task.status, `${JSON.stringify(task.result)}\n${progress.join('\n')}`).toBe('done');
    const merged = (n: number, file: string) => ({
      status: 'accepted',
      branch: expect.stringMatching(new RegExp(`^optagon/t${task.id.slice(0, 6)}-${n}$`)),
      merge: expect.stringMatching(/^[0-9a-f]{40}$/),
      changed: [{ path: file, added: 1, removed: 0 }],
    });
    expect(task.result).toMatchObject({
      branch: 'main',
      subtasks: [
        { title: 'Write alpha.txt', corrections: [], ...merged(1, 'alpha.txt') },
        { title: 'Write beta.txt', corrections: [CORRECTION], ...merged(2, 'beta.txt') },
      ],
    });
    // Each agent worked in its own tree; both branches were merged into main in plan order and went.
    expect(readFileSync(join(ws, 'alpha.txt'), 'utf8')).toBe('alpha\n');
    expect(readFileSync(join(ws, 'beta.txt'), 'utf8')).toBe('beta\n');
    expect(await git('log', '--merges', '--format=%s', 'main')).toMatchObject({
      stdout: expect.stringMatching(
        /^Write beta\.txt \(agent t[0-9a-f]{6}-2, task [0-9a-f]+\)\nWrite alpha\.txt \(agent/,
      ),
    });
    expect((await git('status', '--porcelain')).stdout).toBe('');
    expect((await git('branch', '--format=%(refname:short)')).stdout).toBe('main');

    // The gate read each agent's own diff only: alpha's review never saw beta.txt, nor beta's alpha.txt.
    const changesSeen = (title: string) =>
      fake.requests
        .filter((q) => isManager(q, 'You review') && allText(q).includes(`Subtask \\"${title}\\"`))
        .map(reviewed);
    expect(changesSeen('Write alpha.txt')).toEqual([expect.stringContaining('alpha.txt +1 -0')]);
    expect(changesSeen('Write alpha.txt')[0]).not.toContain('beta.txt');
    const beta = changesSeen('Write beta.txt');
    expect(beta.length).toBeGreaterThanOrEqual(2); // the first look, then after the correction
    expect(beta.every((c) => c.includes('beta.txt +1 -0') && !c.includes('alpha'))).toBe(true);
    expect(beta[0]).toContain('\\n+BETA\\n');

    // Live progress, and the permission prompt answered by the frame's policy.
    expect(progress).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^planned 2 subtasks/),
        expect.stringMatching(/asks for permission; allowed/),
      ]),
    );
    expect(progress.at(-1)).toBe('task done');

    // Routing: the plan went to the manager's model, reviews to the rule's; the reviewer called a tool.
    const manager = fake.requests.filter((q) => system(q).includes('manager') || system(q).includes('You classify'));
    expect(manager.filter((q) => isManager(q, 'You are the manager')).map((q) => q.model)).toEqual(['claude-manager']);
    const reviews = manager.filter((q) => isManager(q, 'You review'));
    expect(new Set(reviews.map((q) => q.model))).toEqual(new Set(['claude-reviewer']));
    expect(reviews.some((q) => lastToolResults(q).some((t) => JSON.stringify(t.content).includes('Done.')))).toBe(true); // agent_read's answer

    // Remembered: an episode about the task is in the frame's context.
    const { episodes } = await home.ok('context_get_episodes', { frame: 'mgr' });
    const episode = episodes.find((e) => e.uuid === task.result.episode);
    expect(episode?.name).toBe('task: Create alpha.txt and beta.txt');
    expect(episode?.content).toContain('Write beta.txt (beta.txt): accepted after 1 correction(s)');
    expect(episode?.content).toMatch(/Merged into branch main\./);
    expect(episode?.content).toMatch(
      /Branch optagon\/t[0-9a-f]{6}-2, merged as [0-9a-f]{12}; files changed: beta\.txt/,
    );

    const listed = await home.ok('task_list', { frame: 'mgr' });
    expect(listed.tasks[0]).toMatchObject({ id: task.id, status: 'done' });

    // The CLI, another process, reads the same tasks.
    const cli = (...args: string[]) =>
      execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), ...args], {
        env: { OPTAGON_HOME: home.root, NO_COLOR: '1' },
        reject: false,
      });
    expect((await cli('task', 'list', '--frame', 'mgr')).stdout).toMatch(
      new RegExp(`^ID\\s+STATUS\\s+SUBTASKS\\s+STARTED\\s+TASK\\n${task.id}\\s+done\\s+2\\s+`),
    );
    const shown = (await cli('task', 'status', task.id.slice(0, 5))).stdout;
    expect(shown).toMatch(/-2 accepted after 1 correction Write beta\.txt/);
    expect(shown).toMatch(/optagon\/t[0-9a-f]{6}-2, merged as [0-9a-f]{12}: beta\.txt \+1 -0/);
    expect(shown).toContain('into branch main');
    expect(shown).toContain('task done');
  }, 600_000);

  it('subtasks touching the same paths run one after the other', async () => {
    const { task } = await home.ok('task_assign', { frame: 'mgr', task: 'Write the docs pages', wait: true });
    expect(task.status).toBe('done');
    const events = task.events.map((e) => e.message);
    const at = (re: RegExp) => events.findIndex((m) => re.test(m));
    expect(at(/-1: accepted/)).toBeGreaterThan(-1);
    expect(at(/-2: starting "Shared two"/)).toBeGreaterThan(at(/-1: accepted/)); // docs/two.md lies inside docs/
    expect(readFileSync(join(ws, 'docs/two.md'), 'utf8')).toBe('two\n');
  }, 300_000);

  it('a merge conflict goes back to its agent, which rebases; the gate reviews again, then it merges', async () => {
    const { task } = await home.ok('task_assign', { frame: 'mgr', task: 'Title the README twice', wait: true });
    const events = task.events.map((e) => e.message);
    expect(task.status, events.join('\n')).toBe('done');
    expect(events).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/-2: optagon\/t[0-9a-f]{6}-2 conflicts with main in README\.md; asked to rebase/),
      ]),
    );
    expect(task.result!.subtasks).toMatchObject([
      { status: 'accepted', merge: expect.any(String) },
      { status: 'accepted', merge: expect.any(String), corrections: [expect.stringContaining('git rebase main')] },
    ]);
    expect(readFileSync(join(ws, 'README.md'), 'utf8')).toBe('# demo\none\ntwo\n');
    // After the rebase the gate saw the agent's own line only: one's, merged before, is not its change.
    const last = fake.requests
      .filter((q) => isManager(q, 'You review') && allText(q).includes('Subtask \\"Title two\\"'))
      .at(-1)!;
    expect(reviewed(last)).toContain('README.md +1 -0');
    expect(reviewed(last)).toContain('\\n+two\\n');
  }, 300_000);

  it('with merge: ask, accepted work waits on its branch for the user, who merges it', async () => {
    await home.ok('frame_config_set', { frame: 'mgr', values: { manager: { behavior: { merge: 'ask' } } } });
    const { task } = await home.ok('task_assign', { frame: 'mgr', task: 'Write gamma', wait: true });
    expect(task.status, task.events.map((e) => e.message).join('\n')).toBe('waiting_for_review');
    const [sub] = task.result!.subtasks!;
    expect(sub).toMatchObject({
      status: 'accepted',
      branch: expect.stringMatching(/^optagon\//),
      changed: [{ path: 'gamma.txt' }],
    });
    expect(sub!.merge).toBeUndefined();
    expect(existsSync(join(ws, 'gamma.txt'))).toBe(false); // nothing in the user's tree yet
    const agent = `mgr/${sub!.agent}`;
    expect((await home.ok('agent_diff', { agent })).files).toEqual([{ path: 'gamma.txt', added: 1, removed: 0 }]);
    expect(await home.ok('agent_merge', { agent })).toMatchObject({ status: 'merged', into: 'main' });
    expect(readFileSync(join(ws, 'gamma.txt'), 'utf8')).toBe('gamma\n');
    await home.ok('frame_config_set', { frame: 'mgr', values: { manager: { behavior: { merge: null } } } });
  }, 300_000);

  it('a stuck agent is stopped after agent_timeout_minutes; a running task can be cancelled', async () => {
    await home.ok('frame_config_set', {
      frame: 'mgr',
      values: { manager: { behavior: { agent_timeout_minutes: 0.1 } } },
    });
    const timedOut = await home.ok('task_assign', { frame: 'mgr', task: 'Tell a story', wait: true });
    expect(timedOut.task.status).toBe('failed');
    expect(timedOut.task.result!.subtasks![0]).toMatchObject({
      status: 'timed_out',
      reason: expect.stringMatching(/no answer within 0\.1 minutes/),
    });

    await home.ok('frame_config_set', {
      frame: 'mgr',
      values: { manager: { behavior: { agent_timeout_minutes: 20 } } },
    });
    const { task } = await home.ok('task_assign', { frame: 'mgr', task: 'Tell another story' });
    expect(task.status).toBe('running');
    await waitFor(
      'the agent at work',
      async () =>
        (await home.ok('task_status', { task: task.id })).task.events.some((e) =>
          /starting "Tell a story"/.test(e.message),
        ),
      60_000,
    );
    const cancelled = await home.ok('task_cancel', { task: task.id.slice(0, 6) });
    expect(cancelled.task).toMatchObject({ status: 'cancelled', result: { subtasks: [{ status: 'cancelled' }] } });
    const { agents } = await home.ok('agent_list', { frame: 'mgr' });
    expect(agents.filter((a) => a.state !== 'exited')).toEqual([]); // every agent of every task stopped
    expect(await home.fails('task_cancel', { task: task.id })).toMatch(/already ended \(cancelled\)/);

    // The CLI runs a task itself (no daemon here) and shows its progress as it comes.
    await home.ok('frame_config_set', {
      frame: 'mgr',
      values: { manager: { behavior: { agent_timeout_minutes: 0.1 } } },
    });
    const r = await execa(
      'node',
      [join(process.cwd(), 'dist/cli/optagon.cjs'), 'task', 'run', 'Tell a third story', '--frame', 'mgr'],
      {
        env: { OPTAGON_HOME: home.root, NO_COLOR: '1' },
        reject: false,
      },
    );
    expect(r.exitCode).toBe(1); // not done
    expect(r.stderr).toMatch(/\d+:\d+:\d+.* planned 1 subtask: Tell a story\n.*-1: starting "Tell a story"/);
    expect(r.stdout).toMatch(
      /^[0-9a-f]{12} failed Tell a third story\n.*\n  t[0-9a-f]{6}-1 timed_out Tell a story — no answer within 0\.1 minutes/,
    );
  }, 300_000);

  it('bad input is a clear error', async () => {
    await home.ok('frame_create', { name: 'idle-frame', workspace: home.workspace('idle') });
    expect(await home.fails('task_assign', { frame: 'idle-frame', task: 'x' })).toMatch(
      /frame 'idle-frame' is created; the manager's agents need it running: optagon frame start idle-frame/,
    );
    expect(await home.fails('task_status', { task: 'zz' })).toMatch(/a task id is hex/);
    expect(await home.fails('task_status', { task: 'abcdef' })).toMatch(/no task 'abcdef'/);
    expect(await home.fails('task_assign', { frame: 'mgr', task: '' })).toMatch(/the task is empty/);
    const r = await execa(
      'node',
      [join(process.cwd(), 'dist/cli/optagon.cjs'), 'task', 'run', 'x', '--frame', 'idle-frame'],
      { env: { OPTAGON_HOME: home.root }, reject: false },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: frame 'idle-frame' is created; the manager's agents need it running/);
  });
});
