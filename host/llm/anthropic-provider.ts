import type Anthropic from '@anthropic-ai/sdk';
import type { ChatOptions, ChatResult, LLMProvider, Message } from '../../servers/shared/llm-provider.js';
import { estimateTokens, systemText } from '../../servers/shared/llm-provider.js';

/** The Messages API wants a max_tokens; enough for a plan or a review. */
const DEFAULT_MAX_TOKENS = 4096;

/**
 * Claude through @anthropic-ai/sdk. The system prompt goes apart from the turns; tool results
 * travel as tool_result blocks in a user turn, consecutive ones together, as the API requires.
 */
export class AnthropicProvider implements LLMProvider {
  readonly name = 'anthropic' as const;
  /** The SDK loads with the first provider made, not with every process that could make one. */
  private readonly client: Promise<Anthropic>;

  constructor(
    readonly model: string,
    options: { apiKey: string; baseURL?: string; temperature?: number },
  ) {
    this.temperature = options.temperature;
    // Retries are ours (retry.ts), the same for every provider.
    this.client = import('@anthropic-ai/sdk').then(
      ({ default: Sdk }) =>
        new Sdk({ apiKey: options.apiKey, maxRetries: 0, ...(options.baseURL ? { baseURL: options.baseURL } : {}) }),
    );
  }

  private readonly temperature?: number;
  estimateTokens = estimateTokens;

  async chat(messages: Message[], options: ChatOptions = {}): Promise<ChatResult> {
    const r = await (await this.client).messages.create(this.request(messages, options), { signal: options.signal });
    return {
      text: r.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
      toolCalls: r.content.flatMap((b) =>
        b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: (b.input ?? {}) as Record<string, unknown> }] : [],
      ),
      stop: r.stop_reason === 'tool_use' ? 'tool_use' : r.stop_reason === 'max_tokens' ? 'max_tokens' : 'end',
      usage: { inputTokens: r.usage.input_tokens, outputTokens: r.usage.output_tokens },
    };
  }

  async *stream(messages: Message[], options: ChatOptions = {}): AsyncIterable<string> {
    const events = await (
      await this.client
    ).messages.create({ ...this.request(messages, options), stream: true }, { signal: options.signal });
    for await (const e of events)
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') yield e.delta.text;
  }

  private request(messages: Message[], options: ChatOptions): Anthropic.MessageCreateParamsNonStreaming {
    const system = systemText(messages);
    const temperature = options.temperature ?? this.temperature;
    return {
      model: this.model,
      max_tokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...(system ? { system } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(options.tools?.length
        ? {
            tools: options.tools.map((t) => ({
              name: t.name,
              description: t.description,
              input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
            })),
          }
        : {}),
      messages: toTurns(messages),
    };
  }
}

function toTurns(messages: Message[]): Anthropic.MessageParam[] {
  const turns: Anthropic.MessageParam[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'user') turns.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      const content: Anthropic.ContentBlockParam[] = [];
      if (m.content) content.push({ type: 'text', text: m.content });
      for (const c of m.toolCalls ?? []) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.input });
      turns.push({ role: 'assistant', content });
    } else {
      const result: Anthropic.ToolResultBlockParam = {
        type: 'tool_result',
        tool_use_id: m.toolCallId,
        content: m.content,
        ...(m.isError ? { is_error: true } : {}),
      };
      const last = turns[turns.length - 1];
      if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result'))
        last.content.push(result);
      else turns.push({ role: 'user', content: [result] });
    }
  }
  return turns;
}
