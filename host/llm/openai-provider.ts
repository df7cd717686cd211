import type OpenAI from 'openai';
import type { ChatOptions, ChatResult, LLMProvider, Message, ToolCall } from '../../servers/shared/llm-provider.js';
import { estimateTokens } from '../../servers/shared/llm-provider.js';

/**
 * OpenAI's chat completions through the openai SDK, and any server that speaks them (vLLM, a
 * base_url). Tool arguments arrive as a JSON string; one that does not parse is passed on as
 * `{ invalid_json }`, so the tool call fails validation and the model hears why.
 */
export class OpenAIProvider implements LLMProvider {
  /** The SDK loads with the first provider made, not with every process that could make one. */
  private readonly client: Promise<OpenAI>;

  constructor(
    readonly name: 'openai' | 'vllm',
    readonly model: string,
    options: { apiKey: string; baseURL?: string; temperature?: number },
  ) {
    this.temperature = options.temperature;
    this.client = import('openai').then(
      ({ default: Sdk }) =>
        new Sdk({ apiKey: options.apiKey, maxRetries: 0, ...(options.baseURL ? { baseURL: options.baseURL } : {}) }),
    );
  }

  private readonly temperature?: number;
  estimateTokens = estimateTokens;

  async chat(messages: Message[], options: ChatOptions = {}): Promise<ChatResult> {
    const r = await (
      await this.client
    ).chat.completions.create(this.request(messages, options), { signal: options.signal });
    const choice = r.choices[0];
    const toolCalls: ToolCall[] = (choice?.message.tool_calls ?? []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, input: parseArguments(c.function.arguments) }] : [],
    );
    return {
      text: choice?.message.content ?? '',
      toolCalls,
      stop: toolCalls.length ? 'tool_use' : choice?.finish_reason === 'length' ? 'max_tokens' : 'end',
      ...(r.usage ? { usage: { inputTokens: r.usage.prompt_tokens, outputTokens: r.usage.completion_tokens } } : {}),
    };
  }

  async *stream(messages: Message[], options: ChatOptions = {}): AsyncIterable<string> {
    const chunks = await (
      await this.client
    ).chat.completions.create({ ...this.request(messages, options), stream: true }, { signal: options.signal });
    for await (const c of chunks) {
      const text = c.choices[0]?.delta.content;
      if (text) yield text;
    }
  }

  private request(messages: Message[], options: ChatOptions): OpenAI.ChatCompletionCreateParamsNonStreaming {
    const temperature = options.temperature ?? this.temperature;
    return {
      model: this.model,
      messages: messages.map(toMessage),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
      ...(options.json ? { response_format: { type: 'json_object' as const } } : {}),
      ...(options.tools?.length
        ? {
            tools: options.tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: t.inputSchema },
            })),
          }
        : {}),
    };
  }
}

function toMessage(m: Message): OpenAI.ChatCompletionMessageParam {
  switch (m.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls?.length
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: JSON.stringify(c.input) },
              })),
            }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    default:
      return { role: m.role, content: m.content };
  }
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { invalid_json: text };
  } catch {
    return { invalid_json: text };
  }
}
