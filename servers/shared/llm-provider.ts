/**
 * A language model as the manager and the knowledge graph use it, whatever serves it: chat,
 * stream and estimateTokens, plus tool calling. Messages are provider-neutral; each implementation
 * maps them onto its API's shape with the official SDK (host/llm, handed in as a ProviderFactory).
 */

/** A tool the model may call, described by a JSON Schema for its input (as MCP tools are). */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ToolCall {
  /** The API's id for the call (Ollama gives none; the provider makes one up). */
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

export interface ChatOptions {
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object where the API has a switch for it (OpenAI response_format, Ollama format). */
  json?: boolean;
  signal?: AbortSignal;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  /** end: the model finished; tool_use: it waits for tool results; max_tokens: it was cut off. */
  stop: 'end' | 'tool_use' | 'max_tokens';
  usage?: { inputTokens: number; outputTokens: number };
}

/** The model APIs Optagon speaks: vLLM through the OpenAI SDK, as an OpenAI-compatible server. */
export const PROVIDERS = ['anthropic', 'openai', 'ollama', 'vllm'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export interface LLMProvider {
  readonly name: ProviderName;
  readonly model: string;
  chat(messages: Message[], options?: ChatOptions): Promise<ChatResult>;
  /** The answer's text as it is generated. */
  stream(messages: Message[], options?: ChatOptions): AsyncIterable<string>;
  estimateTokens(text: string): number;
}

/** About four characters a token for English and code: cheap, and close enough to budget by. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** The system messages' text, joined (APIs that take the system prompt apart from the turns). */
export const systemText = (messages: Message[]) =>
  messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
