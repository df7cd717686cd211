import { setTimeout as sleep } from 'node:timers/promises';

/** How often and how long a call is tried again after a 429 or 5xx. */
export interface RetryPolicy {
  /** Tries after the first. */
  retries: number;
  /** The first wait; each next one doubles, with jitter. */
  baseMs: number;
  /** No single wait is longer, whatever Retry-After says. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 500, maxMs: 8000 };

/** The HTTP status an SDK error carries (Anthropic and OpenAI: status; Ollama: status_code). */
export function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; status_code?: unknown };
  const status = typeof e?.status === 'number' ? e.status : e?.status_code;
  return typeof status === 'number' ? status : undefined;
}

/** Rate limits and server errors pass; anything else (a bad key, a bad request) will not. */
export const retryable = (status: number | undefined) =>
  status === 429 || (status !== undefined && status >= 500 && status <= 599);

/** The wait a Retry-After header asks for, in milliseconds (seconds or an HTTP date). */
function retryAfterMs(err: unknown): number | undefined {
  const headers = (err as { headers?: Headers | Record<string, string> })?.headers;
  const value = headers instanceof Headers ? headers.get('retry-after') : headers?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** How long to wait before try `attempt + 1`: the server's Retry-After, else exponential backoff with jitter; never over maxMs. */
export function retryWait(err: unknown, policy: RetryPolicy, attempt: number): number {
  const backoff = policy.baseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
  return Math.min(policy.maxMs, retryAfterMs(err) ?? backoff);
}

/**
 * Runs `call`, trying again on 429 and 5xx with exponential backoff (or the server's Retry-After),
 * at most `policy.retries` more times. `onRetry` hears each wait, for progress.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (status: number, waitMs: number, attempt: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const status = statusOf(err);
      if (attempt > policy.retries || !retryable(status) || signal?.aborted) throw err;
      const wait = retryWait(err, policy, attempt);
      onRetry?.(status!, wait, attempt);
      await sleep(wait, undefined, { signal });
    }
  }
}
