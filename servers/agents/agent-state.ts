import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AgentKind, AgentState } from './kinds/agent-kind.js';

/** What the hook script last wrote for an agent (frame-image/agent-hook.sh). */
export interface HookState {
  state: AgentState;
  event: string;
  at: number;
  input: Record<string, unknown> | null;
}

export function readHookState(file: string): HookState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HookState;
  } catch {
    return undefined; // replaced by rename, so a torn read is rare; the screen answers meanwhile
  }
}

/** Records a state the host knows of (an answered dialog), the way the hook script does: atomically. */
export function writeHookState(file: string, state: HookState): void {
  const tmp = `${file}.host.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, file);
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
export function mergeState(hook: HookState | undefined, screen: AgentState | undefined, now = Date.now()): { state: AgentState; source: 'hook' | 'screen' } {
  if (hook?.state === 'exited') return { state: 'exited', source: 'hook' };
  if (!hook) return { state: screen ?? 'starting', source: 'screen' };
  if (!screen || screen === hook.state || now - hook.at < HOOK_GRACE_MS) return { state: hook.state, source: 'hook' };
  return { state: screen, source: 'screen' };
}
