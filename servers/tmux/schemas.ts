import { z } from 'zod';
import type { WindowInfo } from './frame-tmux.js';

/** What tmux_new_window may name a window: a letter, then letters, digits, _ and -. */
const WINDOW_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** A window index as tmux prints it (tmux does not read 007 as 7) and a window id. */
const WINDOW_INDEX = /^(0|[1-9]\d{0,5})$/;
const WINDOW_ID = /^@\d{1,9}$/;

/**
 * A window by index (2), id (@5) or exact name, and nothing else: tmux reads much more in a target
 * (`-1`, `+`, `-`, `!`, `^`, `$`, `{start}`, `{end}` are other windows, `.` and `..` panes, a
 * `*` pattern or a prefix of a name matches some window), so none of that gets through. A name
 * with a dot cannot be a target at all (tmux splits window.pane there): use its index or id.
 */
export const windowRef = z
  .string()
  .refine((w) => WINDOW_INDEX.test(w) || WINDOW_ID.test(w) || WINDOW_NAME.test(w), {
    message:
      'a window is its index (2), id (@5) or name (a letter, then letters, digits, _ and -); tmux_list_windows shows them',
  })
  .describe('Window index, id (@5) or exact name');

export const windowName = z
  .string()
  .regex(WINDOW_NAME, 'a window name starts with a letter and has letters, digits, _ and - (up to 64)')
  .describe('Window name');

/**
 * The tmux target of a window reference in `session`, for a caller that hands one straight to
 * tmux: the reference is checked with windowRef, and a name is matched exactly (`=`), never as a
 * prefix or pattern of another window's name.
 */
export function windowTarget(session: string, window: string): string {
  const checked = windowRef.safeParse(window);
  if (!checked.success) throw new Error(`'${window}' is not a window: ${checked.error.issues[0]!.message}`);
  const ref = checked.data;
  if (WINDOW_ID.test(ref)) return ref;
  return WINDOW_INDEX.test(ref) ? `${session}:${ref}` : `${session}:=${ref}`;
}

export const windowOutput = z.object({
  index: z.number(),
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  command: z.string().describe('What runs in the pane now'),
  pid: z.number(),
  dead: z.boolean().describe('The pane program has exited (the window stays when remain-on-exit is set)'),
  cwd: z.string(),
  width: z.number(),
  height: z.number(),
});

export const toWindowOutput = (w: WindowInfo): z.infer<typeof windowOutput> => ({ ...w });

/** A regular expression given as text: checked to compile, so a typo is an input error. */
export const regexText = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (p) => {
      try {
        new RegExp(p, 'm');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid JavaScript regular expression' },
  );
