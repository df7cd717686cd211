import { z } from 'zod';
import type { WindowInfo } from './frame-tmux.js';

/** A window by index (2), id (@5) or exact name; names as tmux_new_window allows them. */
export const windowRef = z
  .string()
  .regex(/^(\d+|@\d+|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$/, 'a window is its index (2), id (@5) or name (letters, digits, _ and -)')
  .describe('Window index, id (@5) or exact name');

export const windowName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a window name starts with a letter and has letters, digits, _ and - (up to 64)')
  .describe('Window name');

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
