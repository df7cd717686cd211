import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareClaudeConfig } from './claude-config.js';
import { lastReplyFromTranscript } from './transcript.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'optagon-claude-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('Claude Code config for agents', () => {
  it('answers first-run questions ahead and adds the state hooks, keeping what was there', () => {
    const dir = tmp();
    writeFileSync(join(dir, '.claude.json'), JSON.stringify({ numStartups: 7, projects: { '/workspace': { allowedTools: ['Bash(ls)'] } } }));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ model: 'opus' }));
    prepareClaudeConfig(dir, { apiKey: 'sk-ant-0123456789abcdefghijKLMNOPQRSTUV' });
    const state = json(join(dir, '.claude.json'));
    expect(state).toMatchObject({ numStartups: 7, hasCompletedOnboarding: true, customApiKeyResponses: { approved: ['abcdefghijKLMNOPQRSTUV'.slice(-20)] } });
    expect(state.projects['/workspace']).toMatchObject({ allowedTools: ['Bash(ls)'], hasTrustDialogAccepted: true });
    const settings = json(join(dir, 'settings.json'));
    expect(settings.model).toBe('opus');
    expect(settings.hooks.Stop[0].hooks[0].command).toBe('optagon-agent-hook idle Stop');
    expect(settings.hooks.Notification.map((h: { matcher: string }) => h.matcher)).toEqual(['permission_prompt', 'idle_prompt']);
    prepareClaudeConfig(dir, { apiKey: 'sk-ant-0123456789abcdefghijKLMNOPQRSTUV' }); // twice: no duplicates
    expect(json(join(dir, '.claude.json')).customApiKeyResponses.approved).toHaveLength(1);
    expect(json(join(dir, 'settings.json')).hooks.Stop).toHaveLength(1);
  });

  it("reads the latest reply from a transcript: the assistant's text after the last prompt", () => {
    const file = join(tmp(), 't.jsonl');
    const lines = [
      { type: 'user', message: { role: 'user', content: 'first task' } },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'old reply' }] } },
      { type: 'user', message: { role: 'user', content: 'second task' } },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'On it.' }] } },
      { type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Write', input: {} }] } },
      { type: 'user', message: { content: [{ type: 'tool_result', content: 'ok' }] } },
      { type: 'user', isMeta: true, message: { content: [{ type: 'text', text: '<system-reminder>' }] } },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'Done.' }] } },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"type": "assist');
    expect(lastReplyFromTranscript(file)).toBe('On it.\n\nDone.');
    expect(lastReplyFromTranscript(join(tmp(), 'missing.jsonl'))).toBeUndefined();
  });
});
