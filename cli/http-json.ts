import { request } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { explainTlsError, type PinnedTls } from './pinned-tls.js';

export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One JSON request over node:http. Not `fetch`: on Node 20 the first fetch loads undici, ~100 ms,
 * three times a `podman ps`, and quick commands like `frame list` pay for all of their start-up.
 */
export function requestJson(
  url: string,
  opts: { method?: string; token?: string; body?: unknown; timeoutMs?: number; tls?: PinnedTls } = {},
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = (opts.tls ? tlsRequest : request)(
      url,
      {
        ...opts.tls?.options,
        method: opts.method ?? (payload ? 'POST' : 'GET'),
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: opts.timeoutMs ?? 10 * 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            body = { error: text.slice(0, 500) };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(explainTlsError(err, opts.tls, new URL(url).origin) ?? err));
    req.end(payload);
  });
}
