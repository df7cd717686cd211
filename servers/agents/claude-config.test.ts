import { describe, expect, it } from 'vitest';
import { claudeConfigFiles } from './claude-config.js';
import { lastReplyFromTranscript, lastTurnFromTranscript, turnsFromTranscript } from './transcript.js';

describe('Claude Code config for agents', () => {
  it('answers first-run questions ahead and adds the state hooks, keeping what was there', () => {
    const key = { apiKey: 'sk-ant-0123456789abcdefghijKLMNOPQRSTUV', browserServer: true };
    const first = claudeConfigFiles(
      {
        state: JSON.stringify({ numStartups: 7, projects: { '/workspace': { allowedTools: ['Bash(ls)'] } } }),
        settings: JSON.stringify({ model: 'opus' }),
      },
      key,
    );
    const state = JSON.parse(first['.claude.json']);
    expect(state).toMatchObject({
      numStartups: 7,
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: ['abcdefghijKLMNOPQRSTUV'.slice(-20)] },
    });
    expect(state.projects['/workspace']).toMatchObject({ allowedTools: ['Bash(ls)'], hasTrustDialogAccepted: true });
    expect(state.mcpServers['optagon-browser']).toMatchObject({
      command: 'env',
      args: expect.arrayContaining(['-i', 'node', '/run/optagon/browser-server.mjs']),
    });
    expect(JSON.stringify(state.mcpServers['optagon-browser'])).not.toMatch(/API_KEY|sk-ant/);
    const settings = JSON.parse(first['settings.json']);
    expect(settings.model).toBe('opus');
    expect(settings.hooks.Stop[0].hooks[0].command).toBe('optagon-agent-hook idle Stop');
    expect(settings.hooks.Notification.map((h: { matcher: string }) => h.matcher)).toEqual([
      'permission_prompt',
      'idle_prompt',
    ]);
    const again = claudeConfigFiles({ state: first['.claude.json'], settings: first['settings.json'] }, key); // twice: no duplicates
    expect(JSON.parse(again['.claude.json']).customApiKeyResponses.approved).toHaveLength(1);
    expect(JSON.parse(again['settings.json']).hooks.Stop).toHaveLength(1);
  });

  it('what the frame left there is untrusted: odd shapes are replaced, not trusted or crashed on', () => {
    for (const state of [
      'null',
      '[1]',
      '"x"',
      '{"projects":"s","customApiKeyResponses":{"approved":[1,{"a":1},"ok"]},"mcpServers":[]}',
      '{"__proto__":{"polluted":1}}',
      'not json',
    ]) {
      const out = JSON.parse(
        claudeConfigFiles({ state, settings: state }, { apiKey: 'k'.repeat(30), browserServer: false })['.claude.json'],
      );
      expect(out.projects['/workspace'].hasTrustDialogAccepted, state).toBe(true);
      expect(
        out.customApiKeyResponses.approved.every((k: unknown) => typeof k === 'string'),
        state,
      ).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads the latest reply from a transcript: the assistant's text after the last prompt", () => {
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
    const text =
      lines.map((l) => JSON.stringify(l)).join('\n') +
      '\nnull\n{"message":null}\n{"type":"assistant","message":{"content":[null,{"type":"text","text":5}]}}\n{"type": "assist';
    expect(lastReplyFromTranscript(text)).toBe('On it.\n\nDone.');
    expect(lastReplyFromTranscript('')).toBeUndefined();
  });

  it('reads the last turn from a transcript: the prompt, the reply, the files its edits named, commands, errors', () => {
    const use = (name: string, input: Record<string, unknown>) => ({
      type: 'assistant',
      message: { content: [{ type: 'tool_use', name, input }] },
    });
    const lines = [
      { type: 'user', message: { role: 'user', content: 'old task' } },
      use('Write', { file_path: '/workspace/old.ts' }),
      { type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Fix the parser' }] } },
      use('Edit', { file_path: '/workspace/src/parser.ts', old_string: 'a', new_string: 'b' }),
      use('Bash', { command: 'npm test' }),
      {
        type: 'user',
        message: { content: [{ type: 'tool_result', is_error: true, content: 'TypeError: x is undefined' }] },
      },
      use('MultiEdit', { file_path: '/workspace/src/parser.ts' }),
      use('Write', { file_path: 42 }), // not a path: ignored
      { type: 'assistant', message: { content: [{ type: 'text', text: 'Fixed.' }] } },
    ];
    expect(lastTurnFromTranscript(lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"type":')).toEqual({
      prompt: 'Fix the parser',
      reply: 'Fixed.',
      files: ['/workspace/src/parser.ts'],
      commands: ['npm test'],
      errors: ['TypeError: x is undefined'],
    });
    expect(lastTurnFromTranscript('')).toBeUndefined();
  });

  it("reads every turn a transcript holds, each with its prompt line's uuid and time: a missed Stop loses no turn", () => {
    const lines = [
      { type: 'user', uuid: 'u-1', timestamp: '2026-12-01T10:00:00.000Z', message: { content: 'first' } },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'one' }] } },
      { type: 'user', uuid: 'u-2', timestamp: 'not a time', message: { content: 'second' } },
      { type: 'assistant', message: { content: [{ type: 'text', text: 'two' }] } },
      { type: 'user', uuid: { not: 'a string' }, message: { content: 'third' } },
    ];
    expect(turnsFromTranscript(lines.map((l) => JSON.stringify(l)).join('\n'))).toEqual([
      {
        id: 'u-1',
        at: Date.parse('2026-12-01T10:00:00.000Z'),
        prompt: 'first',
        reply: 'one',
        files: [],
        commands: [],
        errors: [],
      },
      { id: 'u-2', prompt: 'second', reply: 'two', files: [], commands: [], errors: [] },
      { prompt: 'third', reply: '', files: [], commands: [], errors: [] },
    ]);
  });
});
