/** What a terminal tab attaches to: a frame, and optionally one of its tmux windows. */
export interface TerminalTarget {
  frame: string;
  windowId?: string;
}

export type TerminalState =
  | { kind: 'connecting' }
  | { kind: 'attached'; readOnly: boolean }
  | { kind: 'reconnecting'; inMs: number }
  | { kind: 'ended'; message: string };

export interface TerminalSocketOptions {
  target: TerminalTarget;
  jwt(): string;
  size(): { cols: number; rows: number };
  /** Draws output; `rendered` is called once it is on screen (it paces the daemon). */
  write(data: Uint8Array, rendered: () => void): void;
  /** Clears the screen: a reattach sends the screen and history again. */
  reset(): void;
  onState(state: TerminalState): void;
  /** The session ended (expired, revoked): the page should log in again. */
  onSessionEnded(message: string): void;
}

/**
 * The daemon's terminal WebSocket (/ws) for one tab: binary frames and acknowledgements for speed,
 * and automatic reconnection (backing off to 10 s) when the connection drops, with the screen
 * restored by the attach. A terminal that ended on purpose (detached, frame stopped) stays ended.
 */
export class TerminalSocket {
  private ws?: WebSocket;
  private closed = false;
  private retries = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly opts: TerminalSocketOptions) {
    this.connect();
  }

  send(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(this.encoder.encode(data));
  }

  resize(cols: number, rows: number): void {
    this.json({ type: 'resize', cols, rows });
  }

  /** A refreshed session, so the connection outlives the old one. */
  reauth(): void {
    this.json({ type: 'auth', token: this.opts.jwt() });
  }

  /** Attach again after the terminal ended. */
  reattach(): void {
    if (this.closed) return;
    this.ws?.close();
    this.retries = 0;
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.json({ type: 'detach' });
    this.ws?.close();
  }

  private json(msg: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.opts.onState({ kind: 'connecting' });
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let ended = false;
    // Set by 'attached': the next output is the new attach's first (its screen and history), and the
    // terminal is reset just before it. Reset at 'attached' itself, the old screen would go blank
    // until tmux's redraw arrives; this way a reconnect never shows an empty terminal.
    let redrawNext = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.opts.jwt(), binary: true, ack: true }));
    ws.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) {
        const bytes = new Uint8Array(e.data);
        if (redrawNext) {
          redrawNext = false;
          this.opts.reset();
        }
        this.opts.write(
          bytes,
          () => ws.readyState === WebSocket.OPEN && ws.send(`{"type":"ack","bytes":${bytes.length}}`),
        );
        return;
      }
      const msg = JSON.parse(String(e.data)) as {
        type: string;
        code?: string;
        message?: string;
        readOnly?: boolean;
        reason?: string;
      };
      if (msg.type === 'authenticated' && ws === this.ws) {
        const { cols, rows } = this.opts.size();
        ws.send(
          JSON.stringify({
            type: 'attach',
            frameId: this.opts.target.frame,
            ...(this.opts.target.windowId ? { windowId: this.opts.target.windowId } : {}),
            cols,
            rows,
          }),
        );
      } else if (msg.type === 'attached') {
        this.retries = 0;
        redrawNext = true;
        this.opts.onState({ kind: 'attached', readOnly: Boolean(msg.readOnly) });
      } else if (msg.type === 'detached') {
        ended = true;
        this.opts.onState({ kind: 'ended', message: msg.reason ?? 'the terminal ended' });
      } else if (msg.type === 'error') {
        if (msg.code === 'auth_failed' || msg.code === 'session_expired') {
          ended = true;
          this.opts.onSessionEnded(msg.message ?? 'the session ended');
        } else if (msg.code === 'not_running' || msg.code === 'not_found' || msg.code === 'forbidden') {
          ended = true;
          this.opts.onState({ kind: 'ended', message: msg.message ?? msg.code });
        }
      }
    };
    ws.onclose = () => {
      if (this.closed || ended || ws !== this.ws) return;
      const inMs = Math.min(10_000, 500 * 2 ** this.retries++);
      this.opts.onState({ kind: 'reconnecting', inMs });
      setTimeout(() => !this.closed && ws === this.ws && this.connect(), inMs);
    };
  }
}
