import type { Message as OllamaMessage, Ollama, Tool } from 'ollama';
import type { ChatOptions, ChatResult, LLMProvider, Message } from '../../servers/shared/llm-provider.js';
import { estimateTokens } from '../../servers/shared/llm-provider.js';

/** A local model through the ollama SDK. Ollama's tool calls carry no id; ours are made up per answer. */
export class OllamaProvider implements LLMProvider {
  readonly name = 'ollama' as const;
  /** The SDK loads with the first provider made, not with every process that could make one. */
  private readonly client: Promise<Ollama>;

  constructor(
    readonly model: string,
    options: { baseURL?: string; temperature?: number },
  ) {
    this.temperature = options.temperature;
    this.client = import('ollama').then(
      ({ Ollama: Sdk }) => new Sdk({ host: options.baseURL ?? 'http://127.0.0.1:11434' }),
    );
  }

  private readonly temperature?: number;
  estimateTokens = estimateTokens;

  async chat(messages: Message[], options: ChatOptions = {}): Promise<ChatResult> {
    const r = await (await this.client).chat({ ...this.request(messages, options), stream: false });
    const toolCalls = (r.message.tool_calls ?? []).map((c, i) => ({
      id: `call_${i}`,
      name: c.function.name,
      input: c.function.arguments ?? {},
    }));
    return {
      text: r.message.content ?? '',
      toolCalls,
      stop: toolCalls.length ? 'tool_use' : r.done_reason === 'length' ? 'max_tokens' : 'end',
      usage: { inputTokens: r.prompt_eval_count ?? 0, outputTokens: r.eval_count ?? 0 },
    };
  }

  async *stream(messages: Message[], options: ChatOptions = {}): AsyncIterable<string> {
    const parts = await (await this.client).chat({ ...this.request(messages, options), stream: true });
    for await (const p of parts) if (p.message.content) yield p.message.content;
  }

  private request(messages: Message[], options: ChatOptions) {
    const temperature = options.temperature ?? this.temperature;
    const tools: Tool[] | undefined = options.tools?.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        description: t.description,
        parameters: t.inputSchema as Tool['function']['parameters'],
      },
    }));
    return {
      model: this.model,
      messages: messages.map(toMessage),
      ...(tools?.length ? { tools } : {}),
      ...(options.json ? { format: 'json' } : {}),
      options: {
        ...(temperature !== undefined ? { temperature } : {}),
        ...(options.maxTokens ? { num_predict: options.maxTokens } : {}),
      },
    };
  }
}

function toMessage(m: Message): OllamaMessage {
  switch (m.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.input } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', content: m.content, tool_name: m.name };
    default:
      return { role: m.role, content: m.content };
  }
}
