import { describe, expect, it } from 'vitest';
import type { FrameRecord, StateStore } from '../frames/state-store.js';
import type { AgentStates } from './agent-states.js';
import type { HookState } from './agent-state.js';
import { TurnWatcher, type TurnEnded } from './turn-watcher.js';

const frame = { id: 'f1', name: 'f', status: 'running' } as FrameRecord;
const prompt = { type: 'user', uuid: 'u-1', message: { content: 'Please create hello.txt' } };
const edit = {
  type: 'assistant',
  message: { content: [{ type: 'tool_use', name: 'Write', input: { file_path: '/workspace/hello.txt' } }] },
};

/** A watcher over one live agent whose hook state and transcript are the given ones. */
function watcher(hook: HookState, transcript: object[]) {
  const ended: TurnEnded[] = [];
  const states = {
    session: () => ({ read: () => [{ name: 'a', kind: 'claude', createdAt: 0 }] }),
    hookState: () => hook,
    runFile: () => transcript.map((e) => JSON.stringify(e)).join('\n'),
  } as unknown as AgentStates;
  const store = { listFrames: () => [frame] } as unknown as StateStore;
  return { ended, watcher: new TurnWatcher({ store, states }, async (e) => void ended.push(e)) };
}

describe('TurnWatcher', () => {
  it("a Stop that fires before the transcript has the final reply takes it from the hook's input", async () => {
    const { ended, watcher: w } = watcher(
      {
        state: 'idle',
        event: 'Stop',
        at: 5000,
        input: { transcript_path: '/run/optagon/t.jsonl', last_assistant_message: 'I created hello.txt.' },
      },
      [prompt, edit],
    );
    await w.poll();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.turns.at(-1)).toMatchObject({
      prompt: 'Please create hello.txt',
      reply: 'I created hello.txt.',
      files: ['/workspace/hello.txt'],
    });
    await w.poll(); // the same Stop again: nothing new
    expect(ended).toHaveLength(1);
  });

  it("without the hook's copy, the transcript's reply stands", async () => {
    const reply = { type: 'assistant', message: { content: [{ type: 'text', text: 'Done.' }] } };
    const { ended, watcher: w } = watcher(
      { state: 'idle', event: 'Stop', at: 5000, input: { transcript_path: '/run/optagon/t.jsonl' } },
      [prompt, edit, reply],
    );
    await w.poll();
    expect(ended[0]!.turns.at(-1)!.reply).toBe('Done.');
  });
});
