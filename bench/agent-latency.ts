import { screenState } from '../servers/agents/agent-state.js';
import { claudeKind } from '../servers/agents/kinds/claude.js';
import { createServices } from '../host/registry.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { FakeAnthropic, isAgentTurn, lastUserText } from '../test/support/fake-anthropic.js';
import type { BenchHome } from './bench-home.js';
import { sleep, stats } from './measure.js';
import type { Figure } from './report.js';

/** Our goal, in milliseconds (median), for both figures with hooks. */
const LATENCY_GOAL_MS = 300;

/** The first time `check` holds, polled as fast as it answers; Date.now() then. */
async function firstTime(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return Date.now();
    await sleep(5);
  }
  throw new Error(`no change within ${timeoutMs} ms`);
}

/**
 * How soon Optagon knows what Claude Code does: from agent_send until agent_status says working,
 * and from the model's final token (the fake API's last byte) until it says idle. Measured with
 * hooks (agent_status as served) and, in the same rounds, from the screen alone (the fallback),
 * which is the peer column. The real claude binary runs in `frame`; the model API is the fake.
 * The services run in this process as in the daemon, which follows podman events and so does not
 * ask podman on every status.
 */
export async function benchAgentLatency(home: BenchHome, frame: string, rounds = 8): Promise<Figure[]> {
  const fake = await new FakeAnthropic([
    {
      name: 'pong',
      when: (r) => isAgentTurn(r) && /ping \d+$/.test(lastUserText(r)),
      reply: { text: 'pong '.repeat(30), chunkDelayMs: 60 },
    },
  ]).start();
  const services = createServices(new OptagonHome(home.root));
  services.frames.frames.followingEvents = true;
  const { agents, tmux } = services;
  try {
    services.frames.frames.setConfig(frame, {
      agents: {
        env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-bench-0123456789abcdefghij' },
      },
    });
    const spawned = await agents.spawn({ frame, kind: 'claude', name: 'bench' });
    const ref = spawned.agent;
    const paneState = async () =>
      screenState(claudeKind, (await tmux.capture(frame, 'bench', { lines: 40, ansi: false })).text);
    const hookState = async () => (await agents.status(ref)).state;
    const toWorking = { hook: [] as number[], pane: [] as number[] };
    const toIdle = { hook: [] as number[], pane: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      await agents.wait(ref, 'idle', 30_000);
      await sleep(1600); // past the hook's grace, so each round starts from a settled state
      const sentAt = Date.now();
      const finishedBefore = fake.finishedAt.length;
      const watch = (state: () => Promise<string | undefined>) =>
        firstTime(async () => (await state()) === 'working').then(async (working) => ({
          working,
          idle: await firstTime(async () => (await state()) === 'idle'),
        }));
      const [hook, pane] = await Promise.all([watch(hookState), watch(paneState), agents.send(ref, `ping ${i}`)]);
      const finalToken = fake.finishedAt[finishedBefore];
      if (finalToken === undefined) throw new Error('the fake model answered nothing');
      toWorking.hook.push(hook.working - sentAt);
      toWorking.pane.push(pane.working - sentAt);
      toIdle.hook.push(hook.idle - finalToken);
      toIdle.pane.push(pane.idle - finalToken);
    }
    await agents.stop(ref);
    return [
      {
        name: 'agent_send → working (hooks)',
        ours: stats(toWorking.hook),
        peer: stats(toWorking.pane),
        peerName: 'screen only',
        absoluteGoalMs: LATENCY_GOAL_MS,
      },
      {
        name: 'final token → idle (hooks)',
        ours: stats(toIdle.hook),
        peer: stats(toIdle.pane),
        peerName: 'screen only',
        absoluteGoalMs: LATENCY_GOAL_MS,
      },
    ];
  } finally {
    services.close();
    await fake.close();
  }
}
