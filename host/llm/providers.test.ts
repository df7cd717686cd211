import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic, type MessagesRequest } from '../../test/support/fake-anthropic.js';
import { FakeOpenAI, type ChatRequest } from '../../test/support/fake-openai.js';
import { globalConfigSchema, type LlmSettings } from '../../servers/shared/global-config.js';
import { createProvider } from './create-provider.js';
import type { Message, ToolSpec } from '../../servers/shared/llm-provider.js';

/** One scripted answer of the fake model, whichever wire format carries it. */
interface Answer {
  text?: string;
  tool?: { name: string; input: Record<string, unknown> };
  error?: { status: number; message: string; retryAfterSeconds?: number };
}

const add: ToolSpec = {
  name: 'add',
  description: 'Adds two numbers.',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};

const names = ['anthropic', 'openai', 'vllm', 'ollama'] as const;

describe.each(names)('the %s provider, through its SDK against a fake of its wire format', (name) => {
  let answers: Answer[] = [];
  let anthropic: FakeAnthropic;
  let openai: FakeOpenAI;
  const next = (): Answer => answers.shift() ?? { text: 'OK.' };

  beforeAll(async () => {
    anthropic = await new FakeAnthropic([
      {
        name: 'script',
        when: () => true,
        reply: () => {
          const a = next();
          return {
            ...(a.text ? { text: a.text } : {}),
            ...(a.tool ? { toolUse: a.tool } : {}),
            ...(a.error ? { error: a.error } : {}),
          };
        },
      },
    ]).start('127.0.0.1');
    openai = await new FakeOpenAI(() => {
      const a = next();
      if (a.error) return a.error;
      return {
        ...(a.text ? { text: a.text } : {}),
        ...(a.tool ? { toolCalls: [{ name: a.tool.name, arguments: a.tool.input }] } : {}),
      };
    }).start();
  });
  afterAll(async () => {
    await anthropic.close();
    await openai.close();
  });
  beforeEach(() => {
    answers = [];
    anthropic.requests.length = 0;
    openai.chats.length = 0;
  });

  const baseUrl = () =>
    name === 'anthropic' ? `http://127.0.0.1:${anthropic.port}` : name === 'ollama' ? openai.url : `${openai.url}/v1`;
  const settings = (more: Record<string, unknown> = {}): LlmSettings =>
    globalConfigSchema.parse({ llm: { [name]: { base_url: baseUrl() }, ...more } }).llm;
  const provider = (more?: Record<string, unknown>, onRetry?: (m: string) => void) =>
    createProvider({ provider: name, model: 'test-model' }, settings(more), 'manager (frame test)', onRetry);
  const requests = (): Array<MessagesRequest | ChatRequest> =>
    name === 'anthropic' ? anthropic.requests : openai.chats;

  it('calls a tool and hears its result in the wire shape its API wants', async () => {
    answers = [{ tool: { name: 'add', input: { a: 2, b: 3 } } }, { text: 'The sum is 5.' }];
    const p = provider();
    const history: Message[] = [
      { role: 'system', content: 'You add numbers with the add tool.' },
      { role: 'user', content: 'What is 2 + 3?' },
    ];
    const first = await p.chat(history, { tools: [add] });
    expect(first).toMatchObject({ stop: 'tool_use', toolCalls: [{ name: 'add', input: { a: 2, b: 3 } }] });
    const call = first.toolCalls[0]!;
    history.push(
      { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
      { role: 'tool', toolCallId: call.id, name: 'add', content: '5' },
    );
    const second = await p.chat(history, { tools: [add] });
    expect(second).toMatchObject({ stop: 'end', text: 'The sum is 5.', toolCalls: [] });

    const [req1, req2] = requests();
    if (name === 'anthropic') {
      const r = req2 as MessagesRequest;
      expect(r.system).toBe('You add numbers with the add tool.');
      expect(r.tools?.map((t) => t.name)).toEqual(['add']);
      expect(r.messages.at(-1)).toEqual({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: call.id, content: '5' }],
      });
    } else {
      const r = req2 as ChatRequest;
      expect((req1 as ChatRequest).tools?.map((t) => t.function.name)).toEqual(['add']);
      expect(r.messages[0]).toMatchObject({ role: 'system', content: 'You add numbers with the add tool.' });
      expect(r.messages.at(-2)!.tool_calls?.[0]?.function.name).toBe('add');
      expect(r.messages.at(-1)).toMatchObject(
        name === 'ollama'
          ? { role: 'tool', tool_name: 'add', content: '5' }
          : { role: 'tool', tool_call_id: call.id, content: '5' },
      );
    }
  });

  it('streams the answer in pieces', async () => {
    answers = [{ text: 'Frames are isolated development environments.' }];
    const pieces: string[] = [];
    for await (const piece of provider().stream([{ role: 'user', content: 'What is a frame?' }])) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('Frames are isolated development environments.');
  });

  it('tries again after a 429, and says so', async () => {
    answers = [{ error: { status: 429, message: 'slow down', retryAfterSeconds: 0 } }, { text: 'done' }];
    const heard: string[] = [];
    expect((await provider({}, (m) => heard.push(m)).chat([{ role: 'user', content: 'hi' }])).text).toBe('done');
    expect(requests()).toHaveLength(2);
    expect(heard).toEqual([expect.stringMatching(new RegExp(`^${name} test-model at .* answered 429; trying again`))]);
  });

  it('gives up after llm.retries on 5xx, with an error that names the endpoint and the setting', async () => {
    answers = Array.from({ length: 5 }, () => ({
      error: { status: 503, message: 'overloaded', retryAfterSeconds: 0 },
    }));
    await expect(provider({ retries: 2 }).chat([{ role: 'user', content: 'hi' }])).rejects.toThrow(
      /answered 503 3 times .*overloaded.*route manager \(frame test\) elsewhere/,
    );
    expect(requests()).toHaveLength(3);
  });

  it('does not retry a refused key', async () => {
    answers = [{ error: { status: 401, message: 'invalid x-api-key' } }];
    await expect(provider().chat([{ role: 'user', content: 'hi' }])).rejects.toThrow(
      /refused the API key \(401: .*invalid x-api-key\); check the key for manager \(frame test\)/,
    );
    expect(requests()).toHaveLength(1);
  });
});

describe('provider setup errors', () => {
  it('an unreachable endpoint names the address and the setting', async () => {
    const settings = globalConfigSchema.parse({
      llm: { openai: { base_url: 'http://127.0.0.1:9/v1' }, retries: 0 },
    }).llm;
    const p = createProvider({ provider: 'openai', model: 'm' }, settings, 'manager');
    await expect(p.chat([{ role: 'user', content: 'hi' }])).rejects.toThrow(
      /cannot reach openai m at http:\/\/127\.0\.0\.1:9\/v1: .*Check manager and its base_url/,
    );
  });

  it('a missing key names the variable and the config key', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const settings = globalConfigSchema.parse({}).llm;
      expect(() => createProvider({ provider: 'anthropic', model: 'm' }, settings, 'manager.routing[0]')).toThrow(
        "manager.routing[0]: no API key for anthropic; set ANTHROPIC_API_KEY in the daemon's environment, or llm.anthropic.api_key in config.yaml",
      );
      const keyed = globalConfigSchema.parse({ llm: { anthropic: { api_key: 'sk-from-config' } } }).llm;
      expect(createProvider({ provider: 'anthropic', model: 'm' }, keyed, 'manager').model).toBe('m');
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it('vllm needs its address', () => {
    expect(() => createProvider({ provider: 'vllm', model: 'm' }, globalConfigSchema.parse({}).llm, 'manager')).toThrow(
      /set llm\.vllm\.base_url/,
    );
  });
});
