import type { ChatOptions, ChatResult, LLMProvider, Message } from '../../servers/shared/llm-provider.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryable, retryWait, statusOf, withRetry, type RetryPolicy } from './retry.js';

/** What a guarded provider says in its errors: the endpoint, and the setting that chose it. */
export interface Guard {
  endpoint: string;
  setting: string;
  policy: RetryPolicy;
  onRetry?: (message: string) => void;
}

/**
 * Every provider behind the same rules: 429 and 5xx tried again with backoff (bounded), and every
 * failure an error that says which endpoint failed, how, and which setting to look at.
 */
export class GuardedProvider implements LLMProvider {
  constructor(
    private readonly inner: LLMProvider,
    private readonly guard: Guard,
  ) {}

  get name() {
    return this.inner.name;
  }

  get model() {
    return this.inner.model;
  }

  estimateTokens(text: string): number {
    return this.inner.estimateTokens(text);
  }

  async chat(messages: Message[], options?: ChatOptions): Promise<ChatResult> {
    try {
      return await withRetry(() => this.inner.chat(messages, options), this.guard.policy, this.heard, options?.signal);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Tried again only until the first piece arrives: after that, a retry would repeat text. */
  async *stream(messages: Message[], options?: ChatOptions): AsyncIterable<string> {
    for (let attempt = 1; ; attempt++) {
      let started = false;
      try {
        for await (const piece of this.inner.stream(messages, options)) {
          started = true;
          yield piece;
        }
        return;
      } catch (err) {
        if (started || attempt > this.guard.policy.retries || !retryable(statusOf(err))) throw this.explain(err);
        const wait = retryWait(err, this.guard.policy, attempt);
        this.heard(statusOf(err)!, wait, attempt);
        await sleep(wait, undefined, { signal: options?.signal });
      }
    }
  }

  private readonly heard = (status: number, waitMs: number, attempt: number) =>
    this.guard.onRetry?.(
      `${this.guard.endpoint} answered ${status}; trying again in ${(waitMs / 1000).toFixed(1)} s (${attempt} of ${this.guard.policy.retries})`,
    );

  private explain(err: unknown): Error {
    const { endpoint, setting } = this.guard;
    const message = apiMessage(err);
    const status = statusOf(err);
    if ((err as Error)?.name === 'AbortError') return err as Error;
    if (status === 401 || status === 403)
      return new Error(`${endpoint} refused the API key (${status}: ${message}); check the key for ${setting}`);
    if (status === 404)
      return new Error(`${endpoint} answered 404 (${message}); check the model name and base_url of ${setting}`);
    if (retryable(status))
      return new Error(
        `${endpoint} answered ${status} ${this.guard.policy.retries + 1} times (${message}); try again later, or route ${setting} elsewhere`,
      );
    if (status !== undefined) return new Error(`${endpoint} answered ${status}: ${message}`);
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    return new Error(
      `cannot reach ${endpoint}: ${cause?.code ?? cause?.message ?? message}; is it running? Check ${setting} and its base_url in config.yaml`,
    );
  }
}

/**
 * The API's own words for a failure: Anthropic's SDK keeps the body ({error: {message}}), OpenAI's
 * its error object ({message}), Ollama's the text; each SDK's message would repeat status and JSON.
 */
function apiMessage(err: unknown): string {
  const body = (err as { error?: unknown })?.error;
  if (typeof body === 'string') return body;
  const b = body as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = b?.error?.message ?? b?.message;
  return typeof message === 'string' ? message : ((err as Error)?.message ?? String(err));
}
