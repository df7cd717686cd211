import WebSocket from 'ws';
import type { ServerMessage } from './protocol.js';

export interface HeadlessOptions {
  /** Extra upgrade headers (Origin, Host). */
  headers?: Record<string, string>;
}

/**
 * A terminal gateway client without a screen: it keeps every message, and the output as text, for
 * scripts, tests and benchmarks. With `autoAck` it acknowledges output as soon as it arrives, as a
 * client that renders instantly would.
 */
export class HeadlessTerminal {
  readonly messages: ServerMessage[] = [];
  /** Every output received, decoded. */
  output = '';
  outputBytes = 0;
  closed?: { code: number; reason: string };
  autoAck = false;
  private waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        this.took(bytes.toString('utf8'), bytes.length);
      } else {
        const msg = JSON.parse(bytes.toString('utf8')) as ServerMessage;
        if (msg.type === 'output') this.took(msg.data, msg.data.length);
        else this.messages.push(msg);
      }
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(url: string, opts: HeadlessOptions = {}): Promise<HeadlessTerminal> {
    const ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new HeadlessTerminal(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body }),
          ),
        );
      });
      ws.once('error', reject);
    });
  }

  send(msg: Record<string, unknown> | string | Buffer): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** Waits for a message of a type (the first not yet taken by an earlier wait of that type). */
  async next<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const taken = this.taken.get(type) ?? 0;
    const found = await this.until(
      () => this.messages.filter((m) => m.type === type)[taken],
      `a ${type} message`,
      timeoutMs,
    );
    this.taken.set(type, taken + 1);
    return found as Extract<ServerMessage, { type: T }>;
  }
  private taken = new Map<string, number>();

  /** Waits until the output so far matches. */
  async sees(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    await this.until(() => pattern.test(this.output), `output matching ${pattern}`, timeoutMs);
  }

  /** Resolves when `check` holds, re-checked on each message; rejects after the timeout or on close. */
  until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = () => {
        const v = check();
        if (v) return done(() => resolve(v));
        if (this.closed)
          done(() =>
            reject(
              new Error(
                `closed (${this.closed!.code} ${this.closed!.reason}) before ${what}; messages: ${JSON.stringify(this.messages.slice(-5))}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(
                `no ${what} within ${timeoutMs} ms; messages: ${JSON.stringify(this.messages.slice(-5))}; output tail: ${JSON.stringify(this.output.slice(-300))}`,
              ),
            ),
          ),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(test);
        f();
      };
      this.waiters.add(test);
      test();
    });
  }

  close(): void {
    this.ws.close();
  }

  private took(text: string, size: number): void {
    this.output += text;
    if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000); // a long stream keeps its tail
    this.outputBytes += size;
    if (this.autoAck) this.send({ type: 'ack', bytes: size });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
