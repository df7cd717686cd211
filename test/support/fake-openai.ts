import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOutsideFramePorts, readJson } from './listen.js';

/** A message as either API sends it. */
export interface ChatMessage {
  role: string;
  /** OpenAI sends null beside tool calls, and an array of parts for multimodal input. */
  content: string | null | Array<Record<string, unknown>>;
  /** OpenAI: `{ id, type, function: { name, arguments: JSON string } }`; Ollama: `{ function: { name, arguments: object } }`. */
  tool_calls?: Array<{
    id?: string;
    type?: string;
    function: { name: string; arguments: string | Record<string, unknown> };
  }>;
  /** OpenAI: the call a `tool` message answers. */
  tool_call_id?: string;
  /** Ollama: the tool a `tool` message comes from. */
  tool_name?: string;
}

/** The parts of a chat request (OpenAI's /v1/chat/completions or Ollama's /api/chat) the scripts look at. */
export interface ChatRequest {
  /** Set by the fake: which wire format the request came in. */
  api: 'openai' | 'ollama';
  model: string;
  messages: ChatMessage[];
  /** Tool definitions as sent; both APIs use `{ type: 'function', function: { name, description, parameters } }`. */
  tools?: Array<{
    type: string;
    function: { name: string; description?: string; parameters?: Record<string, unknown> };
  }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  /** OpenAI's JSON switch. */
  response_format?: { type: string; json_schema?: unknown };
  /** Ollama's JSON switch: 'json' or a JSON schema. */
  format?: string | Record<string, unknown>;
}

/** A tool call the fake model makes. */
export interface ToolCallAnswer {
  name: string;
  arguments: Record<string, unknown>;
}

/** What the fake model says: text, tool calls, or both (the text comes first). */
export interface ChatReply {
  text?: string;
  toolCalls?: ToolCallAnswer[];
}

/** A scripted chat answer: the assistant's text, an HTTP error, or a reply with tool calls. */
export type ChatAnswer =
  | string
  /** An HTTP error (429, 500, ...); retryAfterSeconds sets a Retry-After header (0 lets a client retry at once). */
  | { status: number; message: string; retryAfterSeconds?: number }
  | ChatReply;

export type ChatScript = (req: ChatRequest, index: number) => ChatAnswer;

/** Pieces of at most `size` characters: a streamed answer comes in several, and clients must join them. */
function pieces(text: string, size: number): string[] {
  return text.match(new RegExp(`.{1,${size}}`, 'gsu')) ?? [];
}

/** Words that mean the same to the fake embedding model, so similarity search finds what BM25 cannot. */
const CONCEPTS: Record<string, string> = {
  database: 'database',
  databases: 'database',
  db: 'database',
  postgres: 'database',
  postgresql: 'database',
  sqlite: 'database',
  mysql: 'database',
  payment: 'payment',
  payments: 'payment',
  billing: 'payment',
  invoice: 'payment',
  invoices: 'payment',
  stripe: 'payment',
  queue: 'queue',
  queues: 'queue',
  kafka: 'queue',
  rabbitmq: 'queue',
  messaging: 'queue',
};

const DIMENSIONS = 64;

/**
 * A deterministic embedding: each word (through CONCEPTS) hashed into one of 64 dimensions,
 * normalised. Texts sharing words or concepts point the same way.
 */
export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const word = CONCEPTS[raw] ?? raw;
    v[createHash('sha1').update(word).digest().readUInt32BE(0) % DIMENSIONS]! += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/**
 * A local stand-in for an OpenAI-compatible API (POST /v1/embeddings, POST /v1/chat/completions)
 * and Ollama's (POST /api/embed, POST /api/chat), in their wire formats (JSON, OpenAI's server-sent
 * events, Ollama's NDJSON stream), so the real openai and ollama SDKs talk to it. Chat answers come
 * from a script; every request is recorded.
 */
export class FakeOpenAI {
  /** Every chat request of both APIs, in order, with `api` set. */
  readonly chats: ChatRequest[] = [];
  readonly embeddingInputs: string[][] = [];
  private server?: Server;
  port = 0;
  /** When set, embedding requests fail with this status (an unreachable or broken endpoint). */
  embeddingStatus?: number;

  constructor(private readonly script: ChatScript = () => '{}') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => this.error(res, 'openai', 500, err.message));
    });
    this.port = await listenOutsideFramePorts(this.server, '127.0.0.1');
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = await readJson(req);
    if (req.method === 'POST' && (path === '/v1/embeddings' || path === '/api/embed')) {
      const api = path === '/api/embed' ? 'ollama' : 'openai';
      const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
      this.embeddingInputs.push(input);
      if (this.embeddingStatus)
        return this.error(res, api, this.embeddingStatus, 'the fake embedding endpoint is set to fail');
      const vectors = input.map(fakeEmbedding);
      if (api === 'ollama') return this.json(res, { model: body.model, embeddings: vectors });
      return this.json(res, {
        object: 'list',
        model: body.model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/api/chat')) {
      const api = path === '/api/chat' ? 'ollama' : 'openai';
      const request = { ...body, api } as unknown as ChatRequest;
      this.chats.push(request);
      const answer = this.script(request, this.chats.length - 1);
      if (typeof answer !== 'string' && 'status' in answer)
        return this.error(res, api, answer.status, answer.message, answer.retryAfterSeconds);
      const reply: ChatReply = typeof answer === 'string' ? { text: answer } : answer;
      if (api === 'ollama') return this.ollamaChat(res, request, reply);
      return this.openaiChat(res, request, reply);
    }
    this.error(
      res,
      'openai',
      404,
      `the fake serves /v1/embeddings, /v1/chat/completions, /api/embed and /api/chat, not ${req.method} ${path}`,
    );
  }

  private openaiChat(res: ServerResponse, req: ChatRequest, reply: ChatReply): void {
    const calls = (reply.toolCalls ?? []).map((c) => ({
      id: `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      type: 'function' as const,
      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
    }));
    const finish_reason = calls.length ? 'tool_calls' : 'stop';
    const head = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: req.model };
    const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
    if (!req.stream) {
      const message = {
        role: 'assistant',
        content: reply.text ?? (calls.length ? null : ''),
        refusal: null,
        ...(calls.length ? { tool_calls: calls } : {}),
      };
      return this.json(res, {
        ...head,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason, logprobs: null }],
        usage,
      });
    }
    // Server-sent events as OpenAI sends them: a role chunk, content pieces, each tool call's
    // header then its argument pieces, a chunk with finish_reason, the usage if asked, [DONE].
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const withUsage = req.stream_options?.include_usage === true;
    const send = (data: Record<string, unknown>) =>
      res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', ...data })}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      send({
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(withUsage ? { usage: null } : {}),
      });
    chunk({ role: 'assistant', content: '', refusal: null });
    for (const piece of pieces(reply.text ?? '', 8)) chunk({ content: piece });
    calls.forEach((call, index) => {
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
      });
      for (const piece of pieces(call.function.arguments, 10))
        chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    chunk({}, finish_reason);
    if (withUsage) send({ choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  private ollamaChat(res: ServerResponse, req: ChatRequest, reply: ChatReply): void {
    const head = () => ({ model: req.model, created_at: new Date().toISOString() });
    const tool_calls = reply.toolCalls?.map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
    const stats = {
      done: true,
      done_reason: 'stop',
      total_duration: 1_000_000,
      load_duration: 100_000,
      prompt_eval_count: 10,
      prompt_eval_duration: 100_000,
      eval_count: 10,
      eval_duration: 500_000,
    };
    // Ollama streams unless told `stream: false` (the ollama SDK always says which).
    if (req.stream === false) {
      return this.json(res, {
        ...head(),
        message: { role: 'assistant', content: reply.text ?? '', ...(tool_calls?.length ? { tool_calls } : {}) },
        ...stats,
      });
    }
    // NDJSON: content pieces with done false, the tool calls in a chunk of their own, then the
    // final object with empty content, done true and the counts.
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (obj: Record<string, unknown>) => res.write(`${JSON.stringify({ ...head(), ...obj })}\n`);
    for (const piece of pieces(reply.text ?? '', 8))
      send({ message: { role: 'assistant', content: piece }, done: false });
    if (tool_calls?.length) send({ message: { role: 'assistant', content: '', tool_calls }, done: false });
    send({ message: { role: 'assistant', content: '' }, ...stats });
    res.end();
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  /** An error in the API's shape: OpenAI nests it (`{ error: { message, type, code } }`), Ollama sends `{ error: message }`. */
  private error(
    res: ServerResponse,
    api: 'openai' | 'ollama',
    status: number,
    message: string,
    retryAfterSeconds?: number,
  ): void {
    if (res.headersSent) return void res.end();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    const body =
      api === 'ollama'
        ? { error: message }
        : { error: { message, type: 'fake_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
    res.writeHead(status, headers).end(JSON.stringify(body));
  }
}
