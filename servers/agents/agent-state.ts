import { agentStates, type AgentKind, type AgentState } from './kinds/agent-kind.js';

/** What the hook script last wrote for an agent (frame-image/agent-hook.sh). */
export interface HookState {
  state: AgentState;
  event: string;
  at: number;
  input: Record<string, unknown> | null;
}

/**
 * A hook state as the frame wrote it (untrusted: any process in the frame can write that file), or
 * undefined when it is not one. A torn read is rare (the hook replaces the file by rename); the
 * screen answers meanwhile.
 */
export function parseHookState(text: string | undefined): HookState | undefined {
  if (!text) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const h = v as Record<string, unknown>;
  if (
    !(agentStates as readonly unknown[]).includes(h.state) ||
    typeof h.event !== 'string' ||
    typeof h.at !== 'number' ||
    !Number.isFinite(h.at)
  )
    return undefined;
  const input =
    typeof h.input === 'object' && h.input !== null && !Array.isArray(h.input)
      ? (h.input as Record<string, unknown>)
      : null;
  return { state: h.state as AgentState, event: h.event, at: h.at, input };
}

/** The state the screen shows, or undefined when it shows none of the known screens. */
export function screenState(kind: AgentKind, screen: string): AgentState | undefined {
  if (kind.screen.permission.test(screen)) return 'waiting_for_permission';
  if (kind.screen.busy.test(screen)) return 'working';
  if (kind.screen.ready.test(screen)) return 'idle';
  return undefined;
}

/** How long a hook's word outweighs a screen that disagrees: the screen may not be redrawn yet. */
export const HOOK_GRACE_MS = 1500;

/**
 * Hooks first, the screen second. A fresh hook state wins (it comes the moment Claude Code
 * changes state; the screen follows a redraw later). An older hook state yields to a screen that
 * clearly says otherwise, because hooks miss some changes: an interrupted turn or a denied
 * permission ends without a Stop hook.
 */
export function mergeState(
  hook: HookState | undefined,
  screen: AgentState | undefined,
  now = Date.now(),
): { state: AgentState; source: 'hook' | 'screen' } {
  if (hook?.state === 'exited') return { state: 'exited', source: 'hook' };
  if (!hook) return { state: screen ?? 'starting', source: 'screen' };
  if (!screen || screen === hook.state || now - hook.at < HOOK_GRACE_MS) return { state: hook.state, source: 'hook' };
  return { state: screen, source: 'screen' };
}
