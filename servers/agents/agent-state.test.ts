import { describe, expect, it } from 'vitest';
import { mergeState, screenState, HOOK_GRACE_MS, type HookState } from './agent-state.js';
import { claudeKind } from './kinds/claude.js';

// Screens as Claude Code 2.1.330 drew them in a frame (trimmed to the lines that matter).
const rule = '─'.repeat(80);
const idle = `● I created hello.txt.\n${rule}\n❯ \n${rule}\n  ⏵⏵ accept edits on (shift+tab to cycle)`;
const busy = `● \n· Whisking… (2s · ↓ 9 tokens)\n${rule}\n❯ \n${rule}\n  ⏵⏵ accept edits on (shift+tab to cycle) · esc to interrupt`;
const permission = ` python3 -c "print(1)"\n This command requires approval\n Do you want to proceed?\n ❯ 1. Yes\n   2. Yes, and don't ask again\n   4. No\n Esc to cancel · Tab to amend`;

const hook = (state: HookState['state'], at: number): HookState => ({ state, event: 'x', at, input: null });

describe('agent state', () => {
  it("reads Claude Code's screens", () => {
    expect(screenState(claudeKind, idle)).toBe('idle');
    expect(screenState(claudeKind, busy)).toBe('working');
    expect(screenState(claudeKind, permission)).toBe('waiting_for_permission');
    expect(screenState(claudeKind, 'Welcome to Claude Code')).toBeUndefined();
  });

  it('prefers a fresh hook, and a clear screen over an old hook', () => {
    const now = 1_000_000;
    expect(mergeState(hook('working', now - 100), 'idle', now)).toEqual({ state: 'working', source: 'hook' });
    // Denied permission: no Stop hook comes, the screen shows the prompt again.
    expect(mergeState(hook('waiting_for_permission', now - HOOK_GRACE_MS - 1), 'idle', now)).toEqual({
      state: 'idle',
      source: 'screen',
    });
    expect(mergeState(hook('idle', now - 60_000), undefined, now)).toEqual({ state: 'idle', source: 'hook' });
    expect(mergeState(undefined, undefined, now)).toEqual({ state: 'starting', source: 'screen' });
    expect(mergeState(hook('exited', now - 60_000), 'idle', now)).toEqual({ state: 'exited', source: 'hook' });
  });
});
