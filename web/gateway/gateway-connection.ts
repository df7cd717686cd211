import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod';
import type { FrameManager } from '../../servers/frames/frame-manager.js';
import type { FrameEvent, StateStore } from '../../servers/frames/state-store.js';
import { allows, type Principal } from '../auth/permissions.js';
import { clampSize, clientMessage, CLOSE, type ClientMessage, type ErrorCode, type ServerMessage } from './protocol.js';
import type { ClientInfo, SessionRows } from './session-rows.js';
import { TerminalProxy } from './terminal-proxy.js';
import { tmuxTarget } from './tmux-target.js';

export interface GatewayLimits {
  /** Time a new connection has to send `auth`. */
  authTimeoutMs: number;
  /** A connection with no message from its client for this long is closed. */
  idleTimeoutMs: number;
  /** Largest input in one message (JSON `data` or a binary frame). */
  maxInputBytes: number;
  /** Lines of history sent before the live stream on attach. */
  scrollbackLines: number;
  /** Output not yet acknowledged (or not yet sent, for a client that does not ack) above which the terminal pauses… */
  highWatermark: number;
  /** …and below which it resumes. */
  lowWatermark: number;
  /** How often a session's credential is checked again, so revocation ends it. */
  revalidateMs: number;
}

export interface ConnectionDeps {
  authenticate(credential: string): Promise<Principal>;
  frames: FrameManager;
  store: StateStore;
  rows: SessionRows;
  limits: GatewayLimits;
  /** Takes a connection slot of the subject; when it has none left, the reason (and no slot). */
  claim(subject: string): string | undefined;
  release(subject: string): void;
}

interface Attachment {
  frameId: string;
  frame: string;
  readOnly: boolean;
  proxy: TerminalProxy;
  decoder: StringDecoder;
  /** Output sent and acknowledged, in the units the client sees (bytes of binary frames, characters of JSON data). */
  sent: number;
  acked: number;
  toldReadOnly: boolean;
}

const TYPES = clientMessage.options.map((o) => o.shape.type.value);

/** What was wrong with a message, in one line a person can act on. */
function describe(error: z.ZodError, raw: unknown): string {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return `a message is a JSON object with a "type" (${TYPES.join(', ')})`;
  if (typeof type !== 'string' || !TYPES.includes(type as ClientMessage['type']))
    return `unknown message type ${JSON.stringify(type)}; the types are ${TYPES.join(', ')}`;
  const issue = error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : type;
  return `${type}: ${where}: ${issue.message}`;
}

/**
 * One terminal WebSocket, from its `auth` to its close. Messages are handled one at a time in the
 * order they came (an `input` right after `attach` waits for the attachment). Nothing is spawned
 * before a valid `auth`; every refusal is an `error` with a code and what to do.
 */
export class GatewayConnection {
  readonly id = randomUUID();
  private principal?: Principal;
  private credential = '';
  private binary = false;
  private acking = false;
  private attachment?: Attachment;
  private queue: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private revalidateTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly client: ClientInfo,
    private readonly deps: ConnectionDeps,
  ) {
    this.authTimer = setTimeout(
      () =>
        this.fail(
          'auth_timeout',
          `no auth within ${deps.limits.authTimeoutMs / 1000} s; send {"type":"auth","token":"..."} first`,
          CLOSE.authTimeout,
        ),
      deps.limits.authTimeoutMs,
    );
    this.resetIdle();
    ws.on('message', (data, isBinary) => {
      this.queue = this.queue
        .then(() => this.receive(data, isBinary))
        .catch((err: Error) => this.error('internal', `internal error: ${err.message}`));
    });
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
  }

  /** Ends the connection from the server's side (shutdown). */
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
    this.dispose();
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    this.resetIdle();
    if (this.principal) this.deps.rows.touch(this.id);
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      if (!this.principal) return this.authFirst();
      if (!this.binary)
        return this.error(
          'bad_message',
          'binary frames are taken as input only after auth with "binary": true; send {"type":"input","data":"..."}',
        );
      return this.input(bytes);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      const message = 'not JSON; a message is a JSON object such as {"type":"input","data":"ls\\r"}';
      return this.principal ? this.error('bad_message', message) : this.authFirst(message);
    }
    const parsed = clientMessage.safeParse(raw);
    if (!parsed.success) {
      const message = describe(parsed.error, raw);
      return this.principal ? this.error('bad_message', message) : this.authFirst(message);
    }
    const msg = parsed.data;
    if (!this.principal && msg.type !== 'auth') return this.authFirst();
    switch (msg.type) {
      case 'auth':
        return this.auth(msg);
      case 'attach':
        return this.attach(msg);
      case 'input':
        return this.input(msg.data);
      case 'resize': {
        if (!this.attachment) return this.error('not_attached', 'attach first: {"type":"attach","frameId":"<frame>"}');
        const { cols, rows } = clampSize(msg.cols, msg.rows);
        return this.attachment.proxy.resize(cols, rows);
      }
      case 'detach':
        if (!this.attachment) return this.error('not_attached', 'nothing to detach from');
        return this.detach('detached by the client');
      case 'ack': {
        const a = this.attachment;
        if (!a || !this.acking) return; // a late ack after detach, or from a client that did not ask for acks: nothing to pace
        a.acked = Math.min(a.sent, a.acked + msg.bytes);
        return this.pace();
      }
    }
  }

  /** Anything before a valid auth ends the connection. */
  private authFirst(detail?: string): void {
    this.fail(
      'auth_required',
      `the first message must be {"type":"auth","token":"..."}${detail ? ` (${detail})` : ''}`,
      CLOSE.authFailed,
    );
  }

  private async auth(msg: Extract<ClientMessage, { type: 'auth' }>): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.deps.authenticate(msg.token);
    } catch (err) {
      if (this.principal)
        return this.error(
          'auth_failed',
          `${(err as Error).message}; this connection keeps its session until that expires`,
        );
      return this.fail('auth_failed', (err as Error).message, CLOSE.authFailed);
    }
    if (this.closed) return;
    if (this.principal) {
      // A refreshed session for the same identity keeps the connection going past the old one's expiry.
      if (principal.subject !== this.principal.subject)
        return this.error(
          'forbidden',
          'a connection stays with the identity it authenticated as; open another connection for another',
        );
      this.principal = principal;
      this.credential = msg.token;
      return this.send(this.authenticated());
    }
    const refused = this.deps.claim(principal.subject);
    if (refused) return this.fail('too_many_connections', refused, CLOSE.tooMany);
    clearTimeout(this.authTimer);
    this.principal = principal;
    this.credential = msg.token;
    this.binary = msg.binary ?? false;
    this.acking = msg.ack ?? false;
    this.deps.rows.add(this.id, principal, this.client);
    if (principal.subject !== 'local')
      this.revalidateTimer = setInterval(() => void this.revalidate(), this.deps.limits.revalidateMs);
    this.send(this.authenticated());
  }

  private authenticated(): ServerMessage {
    const p = this.principal!;
    return {
      type: 'authenticated',
      user: p.subject,
      permissions: p.permissions,
      ...(p.frames ? { frames: p.frames } : {}),
      binary: this.binary,
      ack: this.acking,
    };
  }

  /** A revoked token, a changed password or an expired session ends the connection. */
  private async revalidate(): Promise<void> {
    try {
      await this.deps.authenticate(this.credential);
    } catch (err) {
      this.fail(
        'session_expired',
        `${(err as Error).message}; log in again (POST /api/auth/login) and send {"type":"auth"} with the new session before the old one expires`,
        CLOSE.authFailed,
      );
    }
  }

  private async attach(msg: Extract<ClientMessage, { type: 'attach' }>): Promise<void> {
    const p = this.principal!;
    if (this.attachment)
      return this.error(
        'already_attached',
        `already attached to ${this.attachment.frame}; send {"type":"detach"} first, or open another connection`,
      );
    let frame;
    try {
      frame = this.deps.frames.resolve(msg.frameId);
    } catch (err) {
      return this.error('not_found', (err as Error).message);
    }
    if (!allows(p, 'read', frame.name))
      return this.error(
        'forbidden',
        `this session may not see frame '${msg.frameId}' (it has ${p.permissions.join(', ')}${p.frames ? ` on ${p.frames.join(', ')}` : ''})`,
      );
    const readOnly = msg.readOnly === true || !allows(p, 'write', frame.name);
    const found = await tmuxTarget(this.deps.frames, frame.id, msg.windowId, this.deps.limits.scrollbackLines, {
      readOnly,
    });
    if ('code' in found) return this.error(found.code, found.message);
    if (this.closed) return;
    const { cols, rows } = clampSize(msg.cols ?? 80, msg.rows ?? 24);
    this.follow(frame.id);
    const attachment: Attachment = {
      frameId: frame.id,
      frame: frame.name,
      readOnly,
      decoder: new StringDecoder('utf8'),
      sent: 0,
      acked: 0,
      toldReadOnly: false,
      proxy: new TerminalProxy({
        command: found.command,
        resized: found.resized,
        cols,
        rows,
        onOutput: (chunk) => this.output(chunk),
        onExit: (reason) => this.detach(reason),
      }),
    };
    this.attachment = attachment;
    this.deps.rows.attached(this.id, frame.id);
    this.send({
      type: 'attached',
      frameId: frame.id,
      frame: frame.name,
      windowId: found.windowId,
      readOnly,
      cols,
      rows,
    });
    // The screen and recent history first (a reconnecting client sees where it was), then the live
    // stream, which starts with tmux drawing the current screen.
    if (found.scrollback) this.output(Buffer.from(found.scrollback));
  }

  private input(data: string | Buffer): void {
    const max = this.deps.limits.maxInputBytes;
    if ((typeof data === 'string' ? Buffer.byteLength(data) : data.length) > max)
      return this.error('too_large', `input over ${max} bytes in one message; send it in parts`);
    const a = this.attachment;
    if (!a) return this.error('not_attached', 'attach first: {"type":"attach","frameId":"<frame>"}');
    if (a.readOnly) {
      // Dropped here as well as refused by tmux's read-only attach; said once, not per keystroke.
      if (!a.toldReadOnly)
        this.error(
          'read_only',
          `this terminal on ${a.frame} is read-only${allows(this.principal!, 'write', a.frame) ? ' (attached with readOnly)' : ': the session has no write permission'}; input is dropped`,
        );
      a.toldReadOnly = true;
      return;
    }
    a.proxy.write(data);
  }

  private output(chunk: Buffer): void {
    const a = this.attachment;
    if (!a || this.ws.readyState !== this.ws.OPEN) return;
    if (this.binary) {
      a.sent += chunk.length;
      this.ws.send(chunk, { binary: true }, this.sentOne);
    } else {
      const data = a.decoder.write(chunk); // a character split across chunks waits for its other half
      if (!data) return;
      a.sent += data.length;
      this.ws.send(JSON.stringify({ type: 'output', data } satisfies ServerMessage), this.sentOne);
    }
    this.pace();
  }

  private readonly sentOne = () => {
    if (!this.acking) this.pace();
  };

  /**
   * Flow control: a client that acks is paced by what it has rendered, one that does not by what the
   * socket has not yet sent. Above the high watermark this terminal's pty is not read (tmux holds
   * back this client's redraws), below the low one it is read again; input is never held back, so
   * Ctrl-C gets through a flood.
   */
  private pace(): void {
    const a = this.attachment;
    if (!a) return;
    const backlog = this.acking ? a.sent - a.acked : this.ws.bufferedAmount;
    if (backlog > this.deps.limits.highWatermark) a.proxy.pause();
    else if (a.proxy.paused && backlog < this.deps.limits.lowWatermark) a.proxy.resume();
  }

  /**
   * Pushes the events of the frame attached last, also after a detach: a client whose terminal
   * ended because the frame stopped hears `stopped`, and `started` when it may attach again.
   */
  private follow(frameId: string): void {
    this.unfollow();
    const onEvent = (event: FrameEvent) => event.frameId === frameId && this.send({ type: 'frame_event', event });
    this.deps.store.events.on('event', onEvent);
    this.unfollow = () => this.deps.store.events.off('event', onEvent);
  }
  private unfollow = () => {};

  private detach(reason: string): void {
    const a = this.attachment;
    if (!a) return;
    this.attachment = undefined;
    a.proxy.close();
    if (this.closed) return;
    this.deps.rows.attached(this.id, null);
    this.send({ type: 'detached', frameId: a.frameId, reason });
  }

  private send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private error(code: ErrorCode, message: string): void {
    this.send({ type: 'error', code, message });
  }

  /** An error that ends the connection. */
  private fail(code: ErrorCode, message: string, closeCode: number): void {
    this.error(code, message);
    this.ws.close(closeCode, code);
    this.dispose();
  }

  private resetIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () =>
        this.fail(
          'idle_timeout',
          `nothing from this client for ${Math.round(this.deps.limits.idleTimeoutMs / 60_000)} min; reconnect to go on`,
          CLOSE.idle,
        ),
      this.deps.limits.idleTimeoutMs,
    );
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.idleTimer);
    clearInterval(this.revalidateTimer);
    this.detach('the connection closed');
    this.unfollow();
    if (this.principal) {
      this.deps.rows.remove(this.id);
      this.deps.release(this.principal.subject);
    }
  }
}
