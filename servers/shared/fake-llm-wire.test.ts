import { Ollama } from 'ollama';
import OpenAI, { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, type ChatScript } from '../../test/support/fake-openai.js';

/**
 * The test fake of the OpenAI and Ollama chat APIs, checked through the real SDKs: if these pass,
 * tests that use the fake exercise the SDKs' own parsing of answers, streams, tool calls and errors.
 */
describe('FakeOpenAI chat wire formats', () => {
  let fake: FakeOpenAI | undefined;
  const serve = async (script: ChatScript) => (fake = await new FakeOpenAI(script).start());
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const openai = (f: FakeOpenAI, maxRetries = 0) => new OpenAI({ baseURL: `${f.url}/v1`, apiKey: 'x', maxRetries });
  const ollama = (f: FakeOpenAI) => new Ollama({ host: f.url });
  const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
  const LONG = 'The quick brown fox jumps over the lazy dog.';

  describe('through the openai SDK', () => {
    it('answers with text; a plain-string script still works', async () => {
      const f = await serve(() => 'Hello there');
      const r = await openai(f).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Hello there' } });
      expect(f.chats).toMatchObject([{ api: 'openai', model: 'm1', messages: [{ role: 'user', content: 'hi' }] }]);
    });

    it('answers with a tool call, and sees the tools and the tool result sent back', async () => {
      const f = await serve((req, i) => (i === 0 ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] } : `It is ${String(req.messages.at(-1)?.content)}`));
      const client = openai(f);
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
      const first = await client.chat.completions.create({ model: 'm1', messages, tools: [weather] });
      const choice = first.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      const call = choice.message.tool_calls![0]!;
      expect(call).toMatchObject({ type: 'function', id: expect.stringMatching(/^call_/), function: { name: 'get_weather' } });
      if (call.type !== 'function') throw new Error('not a function call'); // v6 also has custom tool calls
      expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo' });
      expect(f.chats[0]!.tools).toEqual([weather]);

      messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny' });
      const second = await client.chat.completions.create({ model: 'm1', messages, tools: [weather] });
      expect(second.choices[0]!.message.content).toBe('It is sunny');
      expect(f.chats[1]!.messages[1]).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ id: call.id, function: { name: 'get_weather' } }] });
      expect(f.chats[1]!.messages[2]).toEqual({ role: 'tool', tool_call_id: call.id, content: 'sunny' });
    });

    it('streams text in several deltas, then a finish reason, usage when asked, and [DONE]', async () => {
      const f = await serve(() => LONG);
      const stream = await openai(f).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
      const contents = chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []));
      expect(contents.length).toBeGreaterThan(2);
      expect(contents.join('')).toBe(LONG);
      expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 20 } });
      expect(f.chats[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    it('streams a tool call: its header, then argument pieces to be joined', async () => {
      const args = { city: 'Oslo', days: 3, units: 'metric' };
      const f = await serve(() => ({ text: 'Checking.', toolCalls: [{ name: 'get_weather', arguments: args }] }));
      const stream = await openai(f).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], tools: [weather], stream: true });
      let id = '';
      let name = '';
      let text = '';
      const argPieces: string[] = [];
      let finish: string | null = null;
      for await (const c of stream) {
        const choice = c.choices[0]!;
        text += choice.delta.content ?? '';
        for (const t of choice.delta.tool_calls ?? []) {
          expect(t.index).toBe(0);
          if (t.id) id = t.id;
          if (t.function?.name) name = t.function.name;
          if (t.function?.arguments) argPieces.push(t.function.arguments);
        }
        finish = choice.finish_reason ?? finish;
      }
      expect({ id, name, text, finish }).toEqual({ id: expect.stringMatching(/^call_/), name: 'get_weather', text: 'Checking.', finish: 'tool_calls' });
      expect(argPieces.length).toBeGreaterThan(1);
      expect(JSON.parse(argPieces.join(''))).toEqual(args);

      // The SDK's own stream assembler (strict about ids, types and finish reasons) agrees.
      const final = await openai(f).chat.completions.stream({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], tools: [weather] }).finalChatCompletion();
      expect(final.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: 'Checking.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(args) } }] } });
    });

    it('a 429 is a RateLimitError with the message and Retry-After; with retries the SDK tries again', async () => {
      const f = await serve((_req, i) => (i === 0 ? { status: 429, message: 'slow down', retryAfterSeconds: 0 } : 'after the wait'));
      const err = await openai(f).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err).toMatchObject({ status: 429, message: '429 slow down', code: 'rate_limit_exceeded' });
      expect((err as APIError).headers?.get('retry-after')).toBe('0');

      f.chats.length = 0;
      const r = await openai(f, 1).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.choices[0]!.message.content).toBe('after the wait');
      expect(f.chats).toHaveLength(2); // the 429 (index 0 again), then the retry
    });

    it('a 500 in a streamed request fails before any chunk', async () => {
      const f = await serve(() => ({ status: 500, message: 'overloaded' }));
      const err = await openai(f).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err).toMatchObject({ status: 500, message: '500 overloaded' });
    });
  });

  describe('through the ollama SDK', () => {
    it('answers with text (the SDK sends stream: false)', async () => {
      const f = await serve(() => 'Hello there');
      const r = await ollama(f).chat({ model: 'llama', format: 'json', messages: [{ role: 'user', content: 'hi' }] });
      expect(r).toMatchObject({ model: 'llama', done: true, done_reason: 'stop', message: { role: 'assistant', content: 'Hello there' } });
      expect(r.eval_count).toBeGreaterThan(0);
      expect(f.chats).toMatchObject([{ api: 'ollama', model: 'llama', stream: false, format: 'json', messages: [{ role: 'user', content: 'hi' }] }]);
    });

    it('answers with a tool call whose arguments are an object', async () => {
      const f = await serve(() => ({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }));
      const r = await ollama(f).chat({ model: 'llama', messages: [{ role: 'user', content: 'Weather?' }], tools: [weather] });
      expect(r.message).toEqual({ role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] });
      expect(f.chats[0]!.tools).toEqual([weather]);
    });

    it('streams text in several parts, then tool calls, then done', async () => {
      const f = await serve(() => ({ text: LONG, toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }));
      const parts = await ollama(f).chat({ model: 'llama', messages: [{ role: 'user', content: 'hi' }], tools: [weather], stream: true });
      const contents: string[] = [];
      const calls: unknown[] = [];
      let last: { done: boolean; done_reason: string } | undefined;
      for await (const p of parts) {
        if (p.message.content) contents.push(p.message.content);
        calls.push(...(p.message.tool_calls ?? []));
        last = p;
      }
      expect(contents.length).toBeGreaterThan(2);
      expect(contents.join('')).toBe(LONG);
      expect(calls).toEqual([{ function: { name: 'get_weather', arguments: { city: 'Oslo' } } }]);
      expect(last).toMatchObject({ done: true, done_reason: 'stop' });
    });

    it('streams when stream is absent, as Ollama does (NDJSON, last line done)', async () => {
      const f = await serve(() => LONG);
      const res = await fetch(`${f.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { done: boolean; message: { content: string } });
      expect(lines.length).toBeGreaterThan(2);
      expect(lines.map((l) => l.message.content).join('')).toBe(LONG);
      expect(lines.map((l) => l.done)).toEqual([...lines.slice(1).map(() => false), true]);
    });

    it('an error status is thrown with the message', async () => {
      const f = await serve(() => ({ status: 503, message: 'model is loading' }));
      await expect(ollama(f).chat({ model: 'llama', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ message: 'model is loading', status_code: 503 });
      await expect(ollama(f).chat({ model: 'llama', messages: [{ role: 'user', content: 'hi' }], stream: true })).rejects.toThrow('model is loading');
    });
  });
});
