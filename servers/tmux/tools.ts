import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { toolsFor, type AnyTool } from '../shared/define-tool.js';
import { ACTS, READS, REMOVES } from '../shared/tool-annotations.js';
import type { FrameTmux } from './frame-tmux.js';
import { namedKey } from './keys.js';
import { regexText, toWindowOutput, windowName, windowOutput, windowRef } from './schemas.js';

type S = FrameTmux;
const defineTool = toolsFor<S>();

const frameWindow = { frame: frameRef, window: windowRef };
const sent = { frame: z.string(), window: windowOutput };
const lines = z.number().int().min(1).max(10_000);

export const tmuxTools = [
  defineTool({
    name: 'tmux_list_windows',
    title: 'List tmux windows',
    description: "The windows of the frame's tmux session `main`: index, name, what runs there, whether it has exited.",
    input: { frame: frameRef },
    output: { frame: z.string(), windows: z.array(windowOutput) },
    annotations: READS,
    async handle(t, args) {
      const { frame, windows } = await t.listWindows(args.frame);
      return { frame: frame.name, windows: windows.map(toWindowOutput) };
    },
  }),
  defineTool({
    name: 'tmux_new_window',
    title: 'Open a tmux window',
    description:
      'Opens a window in the frame, in `cwd` (default /workspace), running `command` in the frame shell (default: an interactive shell). ' +
      'The window opens in the background; the user sees it in the tmux status bar.',
    input: {
      frame: frameRef,
      name: windowName.optional(),
      command: z
        .string()
        .min(1)
        .max(10_000)
        .optional()
        .describe('Shell command to run in the window, as typed in a terminal of the frame'),
      cwd: z
        .string()
        .startsWith('/', 'cwd is a path inside the frame, e.g. /workspace/app')
        .max(4096)
        .default('/workspace'),
    },
    output: sent,
    annotations: ACTS,
    async handle(t, args) {
      const { frame, window } = await t.newWindow(args.frame, {
        cwd: args.cwd,
        ...(args.name ? { name: args.name } : {}),
        ...(args.command ? { command: args.command } : {}),
      });
      return { frame: frame.name, window: toWindowOutput(window) };
    },
  }),
  defineTool({
    name: 'tmux_send_text',
    title: 'Type text into a window',
    description:
      'Types `text` into the window exactly as given: quotes, $(…), ; and key names such as "Enter" arrive as characters, never as keys or commands. ' +
      'Several lines are pasted as one bracketed paste. `enter: true` presses Enter afterwards. For keys (Escape, C-c, arrows) use tmux_send_keys.',
    input: {
      ...frameWindow,
      text: z.string().max(100_000),
      enter: z.boolean().default(false).describe('Press Enter after the text'),
    },
    output: sent,
    annotations: ACTS,
    async handle(t, args) {
      if (!args.text && !args.enter) throw new Error('nothing to send: give text, or enter: true');
      const { frame, window } = await t.sendText(args.frame, args.window, args.text, args.enter);
      return { frame: frame.name, window: toWindowOutput(window) };
    },
  }),
  defineTool({
    name: 'tmux_send_keys',
    title: 'Press keys in a window',
    description:
      'Presses named keys in order, e.g. ["Escape"], ["C-c"], ["Up", "Enter"], ["1"]. Only names from the allow-list; text goes through tmux_send_text.',
    input: { ...frameWindow, keys: z.array(namedKey).min(1).max(100) },
    output: sent,
    annotations: ACTS,
    async handle(t, args) {
      const { frame, window } = await t.sendKeys(args.frame, args.window, args.keys);
      return { frame: frame.name, window: toWindowOutput(window) };
    },
  }),
  defineTool({
    name: 'tmux_capture_pane',
    title: "Read a window's screen",
    description:
      'The last `lines` lines of the window (screen and scrollback) as text, wrapped lines joined; `ansi: true` keeps colours as escape codes.',
    input: { ...frameWindow, lines: lines.default(50), ansi: z.boolean().default(false) },
    output: { frame: z.string(), window: windowOutput, text: z.string(), lines: z.number() },
    annotations: READS,
    async handle(t, args) {
      const c = await t.capture(args.frame, args.window, { lines: args.lines, ansi: args.ansi });
      return { frame: c.frame.name, window: toWindowOutput(c.window), text: c.text, lines: c.lines };
    },
  }),
  defineTool({
    name: 'tmux_wait_for',
    title: 'Wait for a window',
    description:
      'Waits until `pattern` (a JavaScript regular expression, multiline) appears in the last `lines` lines of the window, or until the window has been quiet ' +
      '(unchanged) for `quiet_ms`, whichever is first, at most `timeout_ms`. Says which happened: matched, quiet or timeout, with the screen.',
    input: {
      ...frameWindow,
      pattern: regexText.optional(),
      quiet_ms: z.number().int().min(100).max(600_000).optional(),
      timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
      lines: lines.default(50),
    },
    output: {
      frame: z.string(),
      window: windowOutput,
      outcome: z.enum(['matched', 'quiet', 'timeout']),
      match: z.string().optional(),
      elapsedMs: z.number(),
      text: z.string(),
    },
    annotations: READS,
    async handle(t, args, ctx) {
      if (!args.pattern && args.quiet_ms === undefined)
        throw new Error('give a pattern to wait for, quiet_ms, or both');
      const r = await t.waitFor(args.frame, args.window, {
        timeoutMs: args.timeout_ms,
        lines: args.lines,
        signal: ctx.signal,
        ...(args.pattern ? { pattern: new RegExp(args.pattern, 'm') } : {}),
        ...(args.quiet_ms !== undefined ? { quietMs: args.quiet_ms } : {}),
      });
      return {
        frame: r.frame.name,
        window: toWindowOutput(r.window),
        outcome: r.outcome,
        elapsedMs: r.elapsedMs,
        text: r.text,
        ...(r.match !== undefined ? { match: r.match } : {}),
      };
    },
  }),
  defineTool({
    name: 'tmux_kill_window',
    title: 'Close a window',
    description:
      'Closes the window and ends what runs in it. The last window of a frame cannot be closed this way (it would end the session); stop the frame instead.',
    input: frameWindow,
    output: { frame: z.string(), killed: windowOutput },
    annotations: REMOVES,
    async handle(t, args) {
      const { windows } = await t.listWindows(args.frame);
      if (windows.length === 1)
        throw new Error(
          `'${args.window}' is the last window of frame '${args.frame}'; closing it would end the session. Stop the frame with frame_stop instead`,
        );
      const { frame, window } = await t.killWindow(args.frame, args.window);
      return { frame: frame.name, killed: toWindowOutput(window) };
    },
  }),
] satisfies AnyTool<S>[];
