/**
 * Failed logins per client in a sliding window: past `max` failures in `windowMs`, the client is
 * refused until the oldest ages out (with how long to wait). Successes do not count.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Milliseconds the client must wait, or 0 when it may try. */
  waitFor(client: string, now = Date.now()): number {
    const recent = (this.failures.get(client) ?? []).filter((t) => t > now - this.windowMs);
    this.failures.set(client, recent);
    return recent.length >= this.max ? recent[0]! + this.windowMs - now : 0;
  }

  failed(client: string, now = Date.now()): void {
    this.failures.set(client, [...(this.failures.get(client) ?? []), now]);
  }
}
