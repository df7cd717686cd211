import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOutsideFramePorts, readJson } from './listen.js';
import { sleep } from '../../servers/shared/sleep.js';

/** The parts of a Messages API request the scripts look at. */
export interface MessagesRequest {
  model: string;
  stream?: boolean;
  system?: unknown;
  tools?: Array<{ name: string }>;
  messages: Array<{ role: 'user' | 'assistant' | 'system'; content: string | Array<Record<string, unknown>> }>;
}

/** What the fake model answers: text, then optionally one tool call (stop_reason tool_use). */
export interface Reply {
  text?: string;
  toolUse?: { name: string; input: Record<string, unknown> };
  /** Milliseconds to wait between streamed chunks, so a test can see the agent working. */
  chunkDelayMs?: number;
  /** Answer with this HTTP error instead (429, 500, 401, ...); retryAfterSeconds sets Retry-After. */
  error?: { status: number; message: string; retryAfterSeconds?: number };
}

export interface Rule {
  name: string;
  when(req: MessagesRequest): boolean;
  reply: Reply | ((req: MessagesRequest) => Reply);
}

/**
 * The user messages after the last assistant message: the newest turn. A client may split it in
 * several messages, and Claude Code (2.1.331) ends some requests with a `system` message.
 */
function newestTurn(req: MessagesRequest): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  for (let i = req.messages.length - 1; i >= 0 && req.messages[i]!.role !== 'assistant'; i--) {
    const { role, content } = req.messages[i]!;
    if (role === 'user') blocks.unshift(...(typeof content === 'string' ? [{ type: 'text', text: content }] : content));
  }
  return blocks;
}

/** Text of the newest user turn (its text blocks; tool results excluded). */
export function lastUserText(req: MessagesRequest): string {
  return newestTurn(req)
    .filter((b) => b.type === 'text')
    .map((b) => String(b.text))
    .join('\n');
}

/** The tool results in the newest user turn, if it carries any. */
export function lastToolResults(
  req: MessagesRequest,
): Array<{ tool_use_id: string; is_error?: boolean; content: unknown }> {
  return newestTurn(req).filter((b) => b.type === 'tool_result') as never;
}

/** The last assistant message before the newest user turn. */
export function lastAssistant(req: MessagesRequest): MessagesRequest['messages'][number] | undefined {
  return [...req.messages].reverse().find((m) => m.role === 'assistant');
}

/** True for the agent's own turns (they carry its tools), false for side calls such as titles. */
export const isAgentTurn = (req: MessagesRequest) => Array.isArray(req.tools) && req.tools.length > 0;

/** "Write '<text>' into <path>" in an agent's prompt: the model writes that file (and a newline) with Claude Code's Write tool. */
const WRITE = /Write '([^']*)' into (\S+)/;
export const writeFileRule: Rule = {
  name: 'write the file asked for',
  when: (r) => isAgentTurn(r) && WRITE.test(lastUserText(r)) && lastToolResults(r).length === 0,
  reply: (r) => {
    const [, text, path] = WRITE.exec(lastUserText(r))!;
    return { toolUse: { name: 'Write', input: { file_path: path!, content: `${text}\n` } } };
  },
};

/**
 * A local stand-in for the Anthropic Messages API, speaking its wire format (JSON and the
 * streamed server-sent events) so the real `claude` binary talks to it unchanged. Answers come
 * from scripted rules matched against each request; every request is recorded. This is the only
 * fake in the agent tests: no model API is reachable from these machines.
 */
export class FakeAnthropic {
  readonly requests: MessagesRequest[] = [];
  /** Times (Date.now()) at which the last byte of each streamed answer was written. */
  readonly finishedAt: number[] = [];
  private server?: Server;
  port = 0;

  constructor(private readonly rules: Rule[]) {}

  /** Listens on all interfaces: containers reach the host as host.containers.internal. */
  async start(host = '0.0.0.0'): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) this.error(res, 500, 'api_error', err.message);
        else res.end();
      });
    });
    this.port = await listenOutsideFramePorts(this.server, host);
    return this;
  }

  /** The base URL as seen from inside a frame. */
  get containerUrl(): string {
    return `http://host.containers.internal:${this.port}`;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = await readJson(req);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      return this.json(res, { input_tokens: 1000 });
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return this.error(res, 404, 'not_found_error', `the fake serves POST /v1/messages, not ${req.method} ${path}`);
    }
    const request = body as unknown as MessagesRequest;
    this.requests.push(request);
    const rule = this.rules.find((r) => r.when(request));
    const reply: Reply = rule ? (typeof rule.reply === 'function' ? rule.reply(request) : rule.reply) : { text: 'OK.' };
    if (reply.error) {
      const type =
        reply.error.status === 429
          ? 'rate_limit_error'
          : reply.error.status === 401
            ? 'authentication_error'
            : 'api_error';
      return this.error(res, reply.error.status, type, reply.error.message, reply.error.retryAfterSeconds);
    }
    if (request.stream) await this.stream(res, request, reply);
    else this.json(res, this.message(request, reply));
  }

  private message(req: MessagesRequest, reply: Reply) {
    const content: Array<Record<string, unknown>> = [];
    if (reply.text) content.push({ type: 'text', text: reply.text });
    if (reply.toolUse)
      content.push({ type: 'tool_use', id: `toolu_${randomUUID().replace(/-/g, '')}`, ...reply.toolUse });
    return {
      id: `msg_${randomUUID().replace(/-/g, '')}`,
      type: 'message',
      role: 'assistant',
      model: req.model,
      content,
      stop_reason: reply.toolUse ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 20 },
    };
  }

  private async stream(res: ServerResponse, req: MessagesRequest, reply: Reply): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': `req_${randomUUID()}`,
    });
    const send = async (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    };
    const full = this.message(req, reply);
    await send('message_start', {
      type: 'message_start',
      message: { ...full, content: [], stop_reason: null, usage: { input_tokens: 100, output_tokens: 1 } },
    });
    let index = 0;
    for (const block of full.content) {
      if (block.type === 'text') {
        await send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        });
        // A few deltas, as a real stream has: clients must join them.
        for (const piece of String(block.text).match(/.{1,12}/gs) ?? []) {
          await send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: piece },
          });
        }
      } else {
        await send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        const json = JSON.stringify(block.input);
        for (const piece of json.match(/.{1,20}/gs) ?? []) {
          await send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          });
        }
      }
      await send('content_block_stop', { type: 'content_block_stop', index });
      index++;
    }
    await send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: full.stop_reason, stop_sequence: null },
      usage: { output_tokens: 20 },
    });
    await send('message_stop', { type: 'message_stop' });
    res.end();
    this.finishedAt.push(Date.now());
  }

  private json(res: ServerResponse, body: unknown): void {
    res
      .writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}` })
      .end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, type: string, message: string, retryAfterSeconds?: number): void {
    const headers = {
      'content-type': 'application/json',
      ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}),
    };
    res.writeHead(status, headers).end(JSON.stringify({ type: 'error', error: { type, message } }));
  }
}
