import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { noFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { ACTS, READS, SETS } from '../shared/tool-annotations.js';
import type { GuakeRemote } from './guake-remote.js';

type S = GuakeRemote;
const defineTool = toolsFor<S>();

const tab = z.object({ index: z.number(), name: z.string() });

export const guakeTools = [
  defineTool({
    name: 'guake_open_frame',
    title: "Open a frame's Guake tab",
    description:
      "Shows Guake on the frame's tab: selects the tab named after the frame, or adds one that attaches to the frame's tmux session (in its workspace). " +
      'Needs the frame running and Guake running on the session bus.',
    input: { frame: frameRef },
    output: { action: z.enum(['selected', 'added']), tab, tabs: z.array(tab) },
    annotations: SETS,
    async handle(g, args) {
      return g.openFrame(args.frame);
    },
  }),
  defineTool({
    name: 'guake_request_attention',
    title: 'Ask for the user',
    description:
      "For an agent that needs the user: a desktop notification with the message, the frame's Guake tab opened, and an attention_requested frame event.",
    input: { frame: frameRef, message: z.string().min(1, 'say what is needed').max(2000) },
    output: { notified: z.boolean(), note: z.string().optional(), tab },
    annotations: ACTS,
    async handle(g, args) {
      return g.requestAttention(args.frame, args.message);
    },
  }),
  defineTool({
    name: 'guake_list_tabs',
    title: 'List Guake tabs',
    description: "Guake's tabs by index and name, and which is selected.",
    input: {},
    output: { tabs: z.array(tab), selected: z.number() },
    annotations: READS,
    actsOn: noFrame("reads the host desktop's Guake tabs, which name every frame opened there"),
    async handle(g) {
      return g.listTabs();
    },
  }),
] satisfies AnyTool<S>[];
