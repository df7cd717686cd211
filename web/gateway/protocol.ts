import { z } from 'zod';
import type { FrameEvent } from '../../servers/frames/state-store.js';
import { windowRef } from '../../servers/tmux/schemas.js';

/**
 * The terminal WebSocket's protocol: the base messages (auth, attach, input, resize, detach →
 * authenticated, attached, output, frame_event, error), plus what speed and safety needed: `ack`
 * for flow control, `detached` when a terminal ends, and options on auth/attach. JSON is the
 * contract; a client that asks for `binary` may also send input and receive output as binary frames.
 */

/** tmux window targets: an index, a name or an @id; never anything tmux would read as more (servers/tmux/schemas). */
const windowId = windowRef;
const size = { cols: z.number().int().min(1).max(10_000), rows: z.number().int().min(1).max(10_000) };

export const clientMessage = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('auth'),
      token: z.string().min(1).max(4096),
      /** Output as binary frames, and binary frames accepted as input. */
      binary: z.boolean().optional(),
      /** The client acknowledges rendered output with `ack`; otherwise the socket's own backlog paces output. */
      ack: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('attach'),
      /** The frame's id or name. */
      frameId: z.string().min(1).max(200),
      windowId: windowId.optional(),
      /** Watch without typing (forced for a session without `write`). */
      readOnly: z.boolean().optional(),
      /** The terminal's size, so the first screen is drawn at it. */
      ...{ cols: size.cols.optional(), rows: size.rows.optional() },
    })
    .strict(),
  // Its size is the gateway's limit (maxInputBytes), the same for JSON and binary input.
  z.object({ type: z.literal('input'), data: z.string() }).strict(),
  z.object({ type: z.literal('resize'), ...size }).strict(),
  z.object({ type: z.literal('detach') }).strict(),
  z
    .object({
      type: z.literal('ack'),
      bytes: z
        .number()
        .int()
        .min(0)
        .max(2 ** 40),
    })
    .strict(),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export type ServerMessage =
  | { type: 'authenticated'; user: string; permissions: string[]; frames?: string[]; binary: boolean; ack: boolean }
  | {
      type: 'attached';
      frameId: string;
      frame: string;
      windowId: string;
      readOnly: boolean;
      cols: number;
      rows: number;
    }
  | { type: 'output'; data: string }
  | { type: 'frame_event'; event: FrameEvent }
  | { type: 'detached'; frameId: string; reason: string }
  | { type: 'error'; code: ErrorCode; message: string };

export type ErrorCode =
  | 'bad_message'
  | 'too_large'
  | 'auth_required'
  | 'auth_failed'
  | 'auth_timeout'
  | 'session_expired'
  | 'forbidden'
  | 'not_found'
  | 'not_running'
  | 'not_attached'
  | 'already_attached'
  | 'read_only'
  | 'too_many_connections'
  | 'idle_timeout'
  | 'internal';

/** WebSocket close codes the gateway uses (4000–4999 are the application's). */
export const CLOSE = { authFailed: 4001, authTimeout: 4002, tooMany: 4029, idle: 4008, shutdown: 1001 } as const;

/** Terminal sizes are clamped to what a screen can show; tmux copes badly with absurd ones. */
export const clampSize = (cols: number, rows: number) => ({
  cols: Math.min(Math.max(cols, 2), 1000),
  rows: Math.min(Math.max(rows, 1), 500),
});
