import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeAnthropic,
  isAgentTurn,
  lastAssistant,
  lastToolResults,
  lastUserText,
  type MessagesRequest,
} from './support/fake-anthropic.js';
import { createTestHome, waitFor, type TestHome } from './support/test-home.js';

interface Status {
  agent: string;
  state: string;
  source: string;
  lastLines: string;
}

const GREETING = 'hello from the fake model\n';

/** True when an earlier turn of the conversation wrote hello.txt: the second message continues the first. */
const remembersWrite = (r: MessagesRequest) =>
  r.messages.some(
    (m) => Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_use' && b.name === 'Write'),
  );

/** An agent turn whose newest user message carries `text` (Claude Code may add reminders around it). */
const prompted = (r: MessagesRequest, text: string) => isAgentTurn(r) && lastUserText(r).includes(text);

const bash = (file: string) => ({
  name: 'Bash',
  // python3 rather than touch: Claude Code lets acceptEdits run touch without asking.
  input: { command: `python3 -c "open('/workspace/${file}', 'w').write('ok')"`, description: `Create ${file}` },
});

/** The model's script, first match wins. Rules look at the newest turn of each request, so retries and side calls get sane answers. */
const fake = new FakeAnthropic([
  {
    name: 'write hello.txt',
    when: (r) => prompted(r, 'Please create hello.txt'),
    reply: { toolUse: { name: 'Write', input: { file_path: '/workspace/hello.txt', content: GREETING } } },
  },
  {
    name: 'recall',
    when: (r) => prompted(r, 'What did you just do?'),
    reply: (r) => ({ text: remembersWrite(r) ? 'Earlier I wrote hello.txt.' : 'I remember nothing.' }),
  },
  {
    name: 'slow',
    when: (r) => prompted(r, 'Tell me a long story'),
    reply: { text: 'Once upon a time '.repeat(40), chunkDelayMs: 200 },
  },
  {
    name: 'opencode',
    when: (r) => prompted(r, 'Say hi, OpenCode'),
    reply: { text: 'Hi from the fake model.', chunkDelayMs: 150 },
  },
  {
    name: 'billing task',
    when: (r) => prompted(r, 'Add retries to the Billing'),
    reply: { text: 'Retries noted.' },
  },
  {
    name: 'allowed command',
    when: (r) => prompted(r, 'Run the first command'),
    reply: { toolUse: bash('allowed.txt') },
  },
  {
    name: 'denied command',
    when: (r) => prompted(r, 'Run the second command'),
    reply: { toolUse: bash('denied.txt') },
  },
  // After the prompts: a denied call's result rides along with the next prompt.
  {
    name: 'answer after the write',
    when: (r) => isAgentTurn(r) && lastToolResults(r).length > 0 && /hello\.txt/.test(JSON.stringify(lastAssistant(r))),
    reply: { text: 'I created hello.txt.', chunkDelayMs: 120 },
  },
  {
    name: 'answer after a command',
    when: (r) => isAgentTurn(r) && lastToolResults(r).length > 0,
    reply: (r) => ({ text: lastToolResults(r)[0]!.is_error ? 'The command was not run.' : 'The command ran.' }),
  },
]);

/** A real frame, the real `claude` binary in it, and only the model API faked (over HTTP, in its wire format). */
describe('agents: Claude Code in a frame', () => {
  let home: TestHome;
  let ws: string;
  beforeAll(async () => {
    await fake.start();
    home = await createTestHome(33280);
    // A project with its own MCP server: Claude Code would ask about it before its prompt comes up.
    ws = home.workspace('agents', { '.mcp.json': JSON.stringify({ mcpServers: { demo: { command: 'true' } } }) });
    await home.ok('frame_create', { name: 'agents', workspace: ws });
    await home.ok('frame_config_set', {
      frame: 'agents',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
      },
    });
    await home.ok('frame_start', { frame: 'agents' });
    home.autoIngest.start(); // as the daemon does
  }, 180_000);
  afterAll(async () => {
    await home?.cleanup();
    await fake.close();
  });

  it('spawns with a task: working, then idle; hello.txt is written; agent_read gives the reply', async () => {
    const spawned = await home.ok('agent_spawn', {
      frame: 'agents',
      kind: 'claude',
      name: 'writer',
      task: 'Please create hello.txt',
    });
    expect(spawned.agent.agent).toBe('agents/writer');
    // The reply streams slowly, so the agent is seen working before it is idle.
    const seen = new Set([spawned.agent.state]);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !seen.has('working');) {
      seen.add((await home.ok('agent_status', { agent: 'writer' })).agent.state);
    }
    expect([...seen]).toContain('working');
    const done = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 60_000 });
    expect(done.reached).toBe(true);
    expect(done.agent.state).toBe('idle');
    expect(readFileSync(join(ws, 'hello.txt'), 'utf8')).toBe(GREETING);
    const read = await home.ok('agent_read', { agent: 'writer' });
    expect(read).toMatchObject({ text: 'I created hello.txt.', source: 'hook' });
  }, 120_000);

  it('agent_send continues the same conversation; several lines arrive as one message', async () => {
    await home.ok('agent_send', { agent: 'agents/writer', message: 'Thanks.\nWhat did you just do?' });
    const done = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 60_000 });
    expect(done.agent.state).toBe('idle');
    expect((await home.ok('agent_read', { agent: 'writer' })).text).toBe('Earlier I wrote hello.txt.');
    expect(lastUserText(fake.requests.filter(isAgentTurn).at(-1)!)).toMatch(/Thanks\.\nWhat did you just do\?$/);
  }, 90_000);

  it('a command that needs permission waits; allow runs it', async () => {
    await home.ok('agent_send', { agent: 'writer', message: 'Run the first command' });
    const asked = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 60_000 });
    expect(asked.agent.state).toBe('waiting_for_permission');
    expect(asked.agent.lastLines).toContain('allowed.txt');
    expect(await home.fails('agent_send', { agent: 'writer', message: 'hurry' })).toMatch(
      /waiting for permission; answer it with agent_approve/,
    );
    await home.ok('agent_approve', { agent: 'writer', decision: 'allow' });
    const done = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 60_000 });
    expect(done.agent.state).toBe('idle');
    expect(existsSync(join(ws, 'allowed.txt'))).toBe(true);
  }, 120_000);

  it('deny does not run the command, and the agent is idle again', async () => {
    await home.ok('agent_send', { agent: 'writer', message: 'Run the second command' });
    const asked = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 60_000 });
    expect(asked.agent.state).toBe('waiting_for_permission');
    await home.ok('agent_approve', { agent: 'writer', decision: 'deny' });
    const done = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 30_000 });
    expect(done.agent.state).toBe('idle');
    expect(existsSync(join(ws, 'denied.txt'))).toBe(false);
    expect(await home.fails('agent_approve', { agent: 'writer', decision: 'allow' })).toMatch(
      /shows no permission dialog/,
    );
  }, 120_000);

  it('an interrupted turn ends without a Stop hook; the screen tells it is idle', async () => {
    await home.ok('agent_send', { agent: 'writer', message: 'Tell me a long story' });
    await waitFor(
      'the agent working',
      async () => (await home.ok('agent_status', { agent: 'writer' })).agent.state === 'working',
    );
    await home.ok('tmux_send_keys', { frame: 'agents', window: 'writer', keys: ['Escape'] });
    const done = await home.ok('agent_wait', { agent: 'writer', until: 'idle', timeout_ms: 20_000 });
    expect(done.agent).toMatchObject({ state: 'idle', source: 'screen' });
  }, 60_000);

  it('agents outlive the process that spawned them: a fresh CLI process lists them from session.json', async () => {
    const r = await execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), '--json', 'agent', 'list', 'agents'], {
      env: { OPTAGON_HOME: home.root },
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const { agents } = JSON.parse(r.stdout) as { agents: Status[] };
    expect(agents.map((a) => [a.agent, a.state])).toEqual([['agents/writer', 'idle']]);
    const session = JSON.parse(
      readFileSync(join(home.root, 'frames', home.services.frames.resolve('agents').id, 'session.json'), 'utf8'),
    );
    expect(session.agents).toMatchObject([{ name: 'writer', kind: 'claude', lastState: 'idle' }]);
  });

  it('OpenCode: spawned with a task, it works, goes idle, and its reply is read from its screen', async () => {
    const spawned = await home.ok('agent_spawn', {
      frame: 'agents',
      kind: 'opencode',
      name: 'coder',
      task: 'Say hi, OpenCode',
    });
    expect(spawned.agent.agent).toBe('agents/coder');
    const done = await home.ok('agent_wait', { agent: 'coder', until: 'idle', timeout_ms: 60_000 });
    expect(done.agent).toMatchObject({ state: 'idle', source: 'screen' });
    const read = await home.ok('agent_read', { agent: 'coder' });
    expect(read.source).toBe('screen');
    // Which requests the fake saw tells a prompt OpenCode dropped from one it answered.
    if (!read.text.includes('Hi from the fake model.')) {
      console.error('requests the fake saw:', JSON.stringify(fake.requests.map((r) => lastUserText(r).slice(-40))));
      const events = home.services.store
        .listEvents(home.services.frames.resolve('agents').id, 50)
        .filter((e) => e.type.startsWith('agent_'));
      console.error('agent events:', JSON.stringify(events));
    }
    expect(read.text).toContain('Hi from the fake model.');
    await home.ok('agent_stop', { agent: 'coder' });
  }, 120_000);

  it('agent_stop ends it; it stays listed as exited; bad references are clear errors', async () => {
    const stopped = await home.ok('agent_stop', { agent: 'writer' });
    expect(stopped.agent.state).toBe('exited');
    const { agents } = await home.ok('agent_list', { frame: 'agents' });
    expect(agents.map((a) => [a.agent, a.state])).toEqual([
      ['agents/writer', 'exited'],
      ['agents/coder', 'exited'],
    ]);
    expect(await home.fails('agent_send', { agent: 'writer', message: 'hi' })).toMatch(/has exited; spawn a new one/);
    expect(await home.fails('agent_status', { agent: 'nobody' })).toMatch(
      /no agent 'nobody'; agent_list shows the agents/,
    );
    expect(await home.fails('agent_status', { agent: 'Bad Name!' })).toMatch(/<frame>\/<name>/);
  });

  it("an agent spawned with a task starts with what the frame's knowledge says of it, unless context.inject is off", async () => {
    await home.ok('context_add_episode', {
      frame: 'agents',
      name: 'billing note',
      content: 'The Billing service uses Stripe for payments.',
      wait: true,
    });
    const firstTurn = async (name: string, task: string) => {
      const before = fake.requests.length;
      await home.ok('agent_spawn', { frame: 'agents', kind: 'claude', name, task });
      await waitFor(
        `${name}'s first turn at the model`,
        async () => fake.requests.slice(before).find((r) => prompted(r, task)),
        60_000,
      );
      return lastUserText(fake.requests.slice(before).find((r) => prompted(r, task))!);
    };
    const informed = await firstTurn('informed', 'Add retries to the Billing service');
    expect(informed).toContain('# What Optagon knows for this task');
    expect(informed).toContain('Billing uses Stripe');
    expect(informed).toContain("From Optagon's knowledge graph of frame 'agents'");
    expect(informed.indexOf('Billing uses Stripe')).toBeLessThan(
      informed.indexOf('Add retries to the Billing service'),
    );

    await home.ok('frame_config_set', { frame: 'agents', values: { context: { inject: false } } });
    const plain = await firstTurn('uninformed', 'Add retries to the Billing queue');
    expect(plain).not.toContain('What Optagon knows');
    expect(plain).not.toContain('Stripe');
    for (const agent of ['informed', 'uninformed']) await home.ok('agent_stop', { agent });
  }, 180_000);

  it('remembers by itself: a turn is an episode with the files it wrote, and a commit made in the frame comes in after the next turn', async () => {
    // The workspace becomes a repository only now, inside the frame: the frame's start found none.
    const frame = home.services.store.findFrame('agents')!;
    const git = await execa('podman', [
      'exec',
      home.services.frames.containerName(frame),
      'sh',
      '-c',
      'cd /workspace && git init -q && git add -A && git -c user.name=Ada -c user.email=ada@example.com commit -qm "add the retry budget for billing" && git rev-parse HEAD',
    ]);
    const hash = git.stdout.trim().split('\n').pop()!;
    await home.ok('agent_spawn', {
      frame: 'agents',
      kind: 'claude',
      name: 'rememberer',
      task: 'Please create hello.txt',
    });
    type Episodes = { episodes: Array<{ name: string; content: string }> };
    const episode = (match: (e: { name: string; content: string }) => boolean) =>
      waitFor(
        'the episode',
        async () =>
          (
            (await home.ok('context_get_episodes', { frame: 'agents', limit: 100 })) as unknown as Episodes
          ).episodes.find(match),
        60_000,
      );
    const turn = await episode((e) => e.name.startsWith('agent rememberer turn: '));
    expect(turn.name).toContain('Please create hello.txt');
    expect(JSON.parse(turn.content)).toMatchObject({
      type: 'agent_turn',
      agent: 'rememberer',
      files: ['/workspace/hello.txt'],
      reply: 'I created hello.txt.',
    });
    const commit = await episode((e) => e.name.startsWith(`commit ${hash.slice(0, 12)}`));
    expect(commit.name).toContain('add the retry budget for billing');
    await home.ok('agent_stop', { agent: 'rememberer' });
  }, 180_000);

  it('a stopped frame cannot take agents', async () => {
    await home.ok('frame_stop', { frame: 'agents' });
    expect(await home.fails('agent_spawn', { frame: 'agents', kind: 'claude' })).toMatch(
      /is stopped, not running; start it with frame_start/,
    );
  }, 60_000);
});
