import { z } from 'zod';
import { toolsFor, type AnyTool } from '../shared/define-tool.js';
import { READS, SAMPLES } from '../shared/tool-annotations.js';
import { eventOutput, frameBriefOutput, frameRef, shellJoin, toEventOutput, frameBrief } from './schemas.js';
import type { FramesServices } from './services.js';

type S = FramesServices;
const defineTool = toolsFor<S>();

/** Looking into a frame: how to attach, its container log, its use of the machine, its events. */
export const inspectTools = [
  defineTool({
    name: 'frame_attach',
    title: 'How to attach to a frame',
    description:
      "The command that attaches a terminal to the frame's tmux session `main`: tmux runs inside the container (podman exec), " +
      'because a tmux client obeys its server and this server belongs to the frame. The host socket is named for who knows what that means.',
    input: {
      frame: frameRef,
      window: z
        .string()
        .regex(/^@\d+$/, 'a tmux window id such as @3 (agent_list and tmux_list_windows show them)')
        .optional()
        .describe('The window to attach at (an agent’s, say); default: the session’s current one'),
    },
    output: {
      frame: frameBriefOutput,
      command: z.array(z.string()).describe('argv that attaches: podman exec -it <container> tmux attach'),
      commandLine: z.string(),
      socket: z
        .string()
        .describe('the tmux socket on the host; a host tmux client on it runs what the frame tells it to'),
    },
    annotations: READS,
    async handle(s, args) {
      const a = await s.frames.attach(args.frame, args.window);
      return { frame: frameBrief(a.frame), command: a.command, commandLine: shellJoin(a.command), socket: a.socket };
    },
  }),
  defineTool({
    name: 'frame_logs',
    title: 'Frame container log',
    description:
      "The last lines of the frame container's log (entrypoint output; also kept in $OPTAGON_HOME/logs/frames/<id>.log).",
    input: { frame: frameRef, tail: z.number().int().min(1).max(10000).default(100).describe('How many lines') },
    output: { frame: frameBriefOutput, lines: z.array(z.string()) },
    annotations: READS,
    async handle(s, args) {
      const r = await s.frames.logs(args.frame, args.tail);
      return { frame: frameBrief(r.frame), lines: r.lines };
    },
  }),
  defineTool({
    name: 'frame_stats',
    title: 'Frame CPU and memory',
    description: 'Current CPU percentage, memory use and process count of a running frame.',
    input: { frame: frameRef },
    output: {
      frame: frameBriefOutput,
      cpuPercent: z.number(),
      memUsageBytes: z.number(),
      memLimitBytes: z.number(),
      memPercent: z.number(),
      pids: z.number(),
    },
    annotations: SAMPLES,
    async handle(s, args) {
      const { frame, ...stats } = await s.frames.stats(args.frame);
      return { frame: frameBrief(frame), ...stats };
    },
  }),
  defineTool({
    name: 'frame_events',
    title: 'Frame events',
    description:
      "A frame's lifecycle audit log (created, starting, started, stopped, error, config_changed, ...), oldest first.",
    input: {
      frame: frameRef,
      limit: z.number().int().min(1).max(1000).default(50),
      after: z.number().int().min(0).default(0).describe('Only events with a larger id (for following)'),
    },
    output: { frame: frameBriefOutput, events: z.array(eventOutput) },
    annotations: READS,
    async handle(s, args) {
      const r = s.frames.events(args.frame, args.limit, args.after);
      return { frame: frameBrief(r.frame), events: r.events.map(toEventOutput) };
    },
  }),
] satisfies AnyTool<S>[];
