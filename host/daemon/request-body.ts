import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';

/** What `bufferBody` leaves for the routes: the request's body text ('' when it has none). */
export type BodyVariables = { body: string };

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Reads every request body once, up to `maxBytes` (413 beyond, before reading further), and leaves
 * the text in `c.var.body`. Under @hono/node-server it reads Node's IncomingMessage directly: going
 * through `c.req.raw.body` makes the adapter build a full web Request (undici) per call, which
 * was a fifth of the daemon's time per MCP tool call. In-process (`app.request` in tests) there is
 * no IncomingMessage and the web Request is read instead.
 */
export function bufferBody(
  maxBytes: number,
  onTooLarge: (c: Context) => Response,
): MiddlewareHandler<{ Variables: BodyVariables }> {
  return async (c, next) => {
    if (!METHODS_WITH_BODY.has(c.req.method)) {
      c.set('body', '');
      return next();
    }
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > maxBytes) return onTooLarge(c);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const text = incoming ? await readIncoming(incoming, maxBytes) : await readWebRequest(c.req.raw, maxBytes);
    if (text === null) return onTooLarge(c);
    c.set('body', text);
    return next();
  };
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Over the limit: keep nothing more, let the rest drain unread (destroying the stream would
      // take the socket, and the 413 with it).
      stop();
      incoming.resume();
      resolve(null);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

async function readWebRequest(req: Request, maxBytes: number): Promise<string | null> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
