/**
 * Coalesces terminal output into fewer, larger WebSocket messages. The first chunk after a quiet
 * spell goes out on the next turn of the event loop (a keystroke's echo is not held back); chunks
 * that follow within a burst wait at most `maxDelayMs`, or until `maxBytes` have gathered. Right
 * after input (`urgent`), output goes out at once even in a burst: the echo of a key typed while
 * another pane floods the screen is not held back either.
 */
export class OutputBatcher {
  private chunks: Buffer[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastFlush = 0;
  private urgentUntil = 0;

  constructor(
    private readonly deliver: (chunk: Buffer) => void,
    private readonly maxBytes = 64 * 1024,
    private readonly maxDelayMs = 4,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.maxBytes) return this.flush();
    if (this.timer) return;
    const now = performance.now();
    const sinceLast = now - this.lastFlush;
    this.timer =
      sinceLast > this.maxDelayMs || now < this.urgentUntil
        ? setImmediate(() => this.flush())
        : setTimeout(() => this.flush(), this.maxDelayMs - sinceLast);
  }

  /** Input was just sent: for the next `ms`, output is not held for batching. */
  urgent(ms = 50): void {
    this.urgentUntil = performance.now() + ms;
    if (this.timer && this.size) {
      this.cancel();
      this.timer = setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.cancel();
    if (!this.size) return;
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.lastFlush = performance.now();
    this.deliver(out);
  }

  /** Drops what is waiting (the terminal went away). */
  dispose(): void {
    this.cancel();
    this.chunks = [];
    this.size = 0;
  }

  private cancel(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }
}
