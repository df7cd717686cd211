import type { OptagonClient } from './optagon-client.js';

/** How one turn of an agent ended. */
export type TurnEnd = 'idle' | 'exited' | 'timed_out';

/** agent_wait is asked for at most this long at a time, so a cancelled task stops its agents soon. */
const WAIT_SLICE_MS = 5_000;
/** A long turn is reported this often: the user sees it is alive, and so does a client's progress timeout. */
const HEARTBEAT_MS = 60_000;

/**
 * Waits until the agent is done with its turn: permission prompts are answered by the frame's
 * policy (manager.behavior.permissions) as they come; after `timeoutMs` the turn is given up.
 */
export async function finishTurn(
  client: OptagonClient,
  agent: string,
  opts: { permissions: 'allow' | 'deny'; timeoutMs: number; signal: AbortSignal; progress: (m: string) => void },
): Promise<TurnEnd> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let told = started;
  for (;;) {
    opts.signal.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) return 'timed_out';
    if (Date.now() - told >= HEARTBEAT_MS) {
      told = Date.now();
      opts.progress(`${agent} still working (${Math.round((told - started) / 60_000)} min)`);
    }
    const r = await client.call('agent_wait', {
      agent,
      until: 'idle',
      timeout_ms: Math.max(100, Math.min(left, WAIT_SLICE_MS)),
    });
    if (r.agent.state === 'waiting_for_permission') {
      opts.progress(
        `${agent} asks for permission; ${opts.permissions === 'allow' ? 'allowed' : 'denied'} (manager.behavior.permissions)`,
      );
      await client.call('agent_approve', { agent, decision: opts.permissions });
    } else if (r.agent.state === 'idle' || r.agent.state === 'exited') {
      return r.agent.state;
    }
  }
}
