import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOutsideFramePorts, readJson } from './listen.js';

/** The parts of a chat completion request the scripts look at. */
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string };
}

/** A scripted chat answer: the assistant's text, or an HTTP error status. */
export type ChatScript = (req: ChatRequest, index: number) => string | { status: number; message: string };

/** Words that mean the same to the fake embedding model, so similarity search finds what BM25 cannot. */
const CONCEPTS: Record<string, string> = {
  database: 'database', databases: 'database', db: 'database', postgres: 'database', postgresql: 'database', sqlite: 'database', mysql: 'database',
  payment: 'payment', payments: 'payment', billing: 'payment', invoice: 'payment', invoices: 'payment', stripe: 'payment',
  queue: 'queue', queues: 'queue', kafka: 'queue', rabbitmq: 'queue', messaging: 'queue',
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
 * and Ollama's (POST /api/embed), in their wire formats, so the real openai and ollama SDKs talk to
 * it. Chat answers come from a script; every request is recorded.
 */
export class FakeOpenAI {
  readonly chats: ChatRequest[] = [];
  readonly embeddingInputs: string[][] = [];
  private server?: Server;
  port = 0;
  /** When set, embedding requests fail with this status (an unreachable or broken endpoint). */
  embeddingStatus?: number;

  constructor(private readonly script: ChatScript = () => '{}') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => this.error(res, 500, err.message));
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
      const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
      this.embeddingInputs.push(input);
      if (this.embeddingStatus) return this.error(res, this.embeddingStatus, 'the fake embedding endpoint is set to fail');
      const vectors = input.map(fakeEmbedding);
      if (path === '/api/embed') return this.json(res, { model: body.model, embeddings: vectors });
      return this.json(res, {
        object: 'list',
        model: body.model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      });
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const request = body as unknown as ChatRequest;
      this.chats.push(request);
      const answer = this.script(request, this.chats.length - 1);
      if (typeof answer !== 'string') return this.error(res, answer.status, answer.message);
      return this.json(res, {
        id: `chatcmpl-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      });
    }
    this.error(res, 404, `the fake serves /v1/embeddings, /v1/chat/completions and /api/embed, not ${req.method} ${path}`);
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) return void res.end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'fake_error', code: null } }));
  }
}
