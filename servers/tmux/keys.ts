import { z } from 'zod';

/**
 * The named keys tmux_send_keys accepts. Only names: anything else (text) goes through
 * tmux_send_text, which sends it literally. An allow-list, because tmux would otherwise parse a
 * string such as "C-c" or "Enter" inside user text as a key.
 */
const ctrl = 'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `C-${c}`);
const fn = Array.from({ length: 12 }, (_, i) => `F${i + 1}`);
export const namedKeys = [
  'Enter',
  'Escape',
  'Tab',
  'BTab',
  'Space',
  'BSpace',
  'DC',
  'IC',
  'Up',
  'Down',
  'Left',
  'Right',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'M-Enter',
  'S-Up',
  'S-Down',
  'C-Left',
  'C-Right',
  ...ctrl,
  ...fn,
  // Digits and y/n: the answers of numbered menus and yes/no prompts, sent as keys.
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  'y',
  'n',
] as const;

export const namedKey = z.enum(namedKeys, {
  error: (issue) =>
    `'${String(issue.input)}' is not a key tmux_send_keys sends; use one of ${namedKeys.slice(0, 16).join(', ')}, C-a…C-z, F1…F12, 0-9, y, n — or tmux_send_text for text`,
});
