import { z } from 'zod';
import { everyFrame, noFrame, onFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { ACTS, READS, REMOVES, SAMPLES, SETS, SETS_OUTSIDE } from '../shared/tool-annotations.js';
import { applyConfigPatch, everyFrameSettings, redactConfig } from './frame-config.js';
import { eventOutput, frameBriefOutput, frameName, frameOutput, frameRef, shellJoin, toEventOutput, toFrameOutput, frameBrief } from './schemas.js';
import type { FrameDetails } from './frame-manager.js';
import type { FramesServices } from './services.js';
import { frameStatuses } from './state-store.js';

type S = FramesServices;
const defineTool = toolsFor<S>();


const frameResult = { frame: frameOutput };

/** start, stop and restart: one frame in, the frame's new state out. */
function lifecycleTool<const N extends string>(name: N, title: string, description: string, act: (s: S, frame: string) => Promise<FrameDetails>) {
  return defineTool({
    name,
    title,
    description,
    input: { frame: frameRef },
    output: frameResult,
    annotations: ACTS,
    async handle(s, args) {
      return { frame: toFrameOutput(await act(s, args.frame)) };
    },
  });
}

/**
 * What a config change reaches beyond its frame, for frame_config_set's scope: the settings only a
 * principal with manage on every frame may make (frame-config.ts everyFrameSettings). A change that
 * cannot be applied reaches nothing: the tool refuses it with the reason.
 */
function configReach(s: S, frame: string, values: Record<string, unknown>, replace: boolean): string | undefined {
  let settings: string[];
  try {
    const { config } = s.frames.getConfig(frame);
    settings = everyFrameSettings(config, applyConfigPatch(config, values, replace));
  } catch {
    return undefined;
  }
  if (!settings.length) return undefined;
  const why = (key: string) =>
    key === 'context.cross_frame_search'
      ? `${key} (it lets frame '${frame}' read every frame's knowledge)`
      : `${key} (it decides where the frame's agents send the model key they get from the host)`;
  return `frame_config_set sets ${settings.map(why).join(' and ')}`;
}

export const frameTools = [
  defineTool({
    name: 'frame_create',
    title: 'Create a frame',
    description:
      'Registers a new frame: an isolated Podman environment for one project. The workspace directory is mounted at /workspace; ' +
      'a host port from 33000-34000 is reserved for its port 3000. Nothing runs until frame_start.',
    input: {
      name: frameName,
      workspace: z.string().min(1).describe('Absolute path of an existing project directory on the host'),
      description: z.string().max(500).optional().describe('What the frame is for'),
    },
    output: frameResult,
    annotations: ACTS,
    actsOn: noFrame('creates a new frame'),
    async handle(s, args) {
      return { frame: toFrameOutput(await s.frames.create(args)) };
    },
  }),
  lifecycleTool(
    'frame_start',
    'Start a frame',
    'Starts the frame container (creating it on first start) and returns once its tmux session `main` is ready in /workspace. ' +
      'Fails with the container log when it does not come up.',
    (s, frame) => s.frames.start(frame),
  ),
  lifecycleTool(
    'frame_stop',
    'Stop a frame',
    'Stops the frame container. The container, its state and the workspace are kept; frame_start brings it back.',
    (s, frame) => s.frames.stop(frame),
  ),
  lifecycleTool(
    'frame_restart',
    'Restart a frame',
    'Stops the frame if it runs, then starts it and waits for tmux. Processes inside the frame are ended.',
    (s, frame) => s.frames.restart(frame),
  ),
  defineTool({
    name: 'frame_destroy',
    title: 'Destroy a frame',
    description:
      "Removes the frame's container, tmux socket directory and state, and releases its port. The workspace directory is never touched. " +
      'A running frame needs force: true.',
    input: { frame: frameRef, force: z.boolean().default(false).describe('Stop and remove a running frame') },
    output: {
      destroyed: z.object({ id: z.string(), name: z.string(), hostPort: z.number().nullable(), workspace: z.string() }),
      workspaceKept: z.literal(true),
    },
    annotations: REMOVES,
    async handle(s, args) {
      const d = await s.frames.destroy(args.frame, args.force);
      return { destroyed: { id: d.id, name: d.name, hostPort: d.hostPort, workspace: d.workspacePath }, workspaceKept: true as const };
    },
  }),
  defineTool({
    name: 'frame_list',
    title: 'List frames',
    description: 'All frames with status (checked against Podman, never stale), port, workspace and last activity.',
    input: { status: z.enum(frameStatuses).optional().describe('Only frames with this status') },
    output: { frames: z.array(frameOutput) },
    annotations: READS,
    actsOn: everyFrame('lists every frame'),
    scopedAnswer: (r, sees) => ({ ...r, frames: r.frames.filter((f) => sees(f.name)) }),
    async handle(s, args) {
      const frames = await s.frames.list();
      return { frames: frames.filter((f) => !args.status || f.status === args.status).map(toFrameOutput) };
    },
  }),
  defineTool({
    name: 'frame_get',
    title: 'Get a frame',
    description: "One frame's details with its configuration and most recent events.",
    input: { frame: frameRef, events: z.number().int().min(0).max(500).default(10).describe('How many recent events to include') },
    output: { frame: frameOutput, config: z.record(z.string(), z.unknown()), events: z.array(eventOutput) },
    annotations: READS,
    async handle(s, args) {
      const frame = await s.frames.get(args.frame);
      return {
        frame: toFrameOutput(frame),
        config: redactConfig(s.frames.getConfig(frame.id).config),
        events: s.frames.events(frame.id, args.events).events.map(toEventOutput),
      };
    },
  }),
  defineTool({
    name: 'frame_attach',
    title: 'How to attach to a frame',
    description:
      "The command that attaches a terminal to the frame's tmux session `main`: tmux runs inside the container (podman exec), " +
      "because a tmux client obeys its server and this server belongs to the frame. The host socket is named for who knows what that means.",
    input: { frame: frameRef },
    output: {
      frame: frameBriefOutput,
      command: z.array(z.string()).describe('argv that attaches: podman exec -it <container> tmux attach'),
      commandLine: z.string(),
      socket: z.string().describe('the tmux socket on the host; a host tmux client on it runs what the frame tells it to'),
    },
    annotations: READS,
    async handle(s, args) {
      const a = await s.frames.attach(args.frame);
      return { frame: frameBrief(a.frame), command: a.command, commandLine: shellJoin(a.command), socket: a.socket };
    },
  }),
  defineTool({
    name: 'frame_logs',
    title: 'Frame container log',
    description: "The last lines of the frame container's log (entrypoint output; also kept in $OPTAGON_HOME/logs/frames/<id>.log).",
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
    description: "A frame's lifecycle audit log (created, starting, started, stopped, error, config_changed, ...), oldest first.",
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
  defineTool({
    name: 'frame_config_get',
    title: 'Get frame configuration',
    description: "The frame's configuration (manager, context and other sections), as stored and mirrored to frames/<id>/config.yaml.",
    input: { frame: frameRef },
    output: { frame: frameBriefOutput, config: z.record(z.string(), z.unknown()) },
    annotations: READS,
    async handle(s, args) {
      const r = s.frames.getConfig(args.frame);
      return { frame: frameBrief(r.frame), config: redactConfig(r.config) };
    },
  }),
  defineTool({
    name: 'frame_config_set',
    title: 'Change frame configuration',
    description:
      'Deep-merges `values` into the frame configuration and validates the result; null removes a key. name and workspace are fixed. ' +
      'Example: {"manager": {"behavior": {"max_concurrent_agents": 2}}}. With replace, `values` becomes the whole configuration.',
    input: {
      frame: frameRef,
      values: z.record(z.string(), z.unknown()).describe('Settings to change'),
      replace: z.boolean().default(false).describe('Make `values` the whole configuration instead of merging it in'),
    },
    output: { frame: frameBriefOutput, config: z.record(z.string(), z.unknown()) },
    annotations: SETS,
    actsOn: (args, s) => onFrame(args.frame, configReach(s, args.frame, args.values, args.replace)),
    async handle(s, args) {
      const r = s.frames.setConfig(args.frame, args.values, args.replace);
      return { frame: frameBrief(r.frame), config: redactConfig(r.config) };
    },
  }),
  defineTool({
    name: 'frame_image_build',
    title: 'Build the frame image',
    description:
      'Builds the image frames run (Dockerfile.frame), with progress notifications. Skipped when the image was built from the same inputs, ' +
      'unless force. Makes a Debian base from the Debian mirror when no registry answers (debootstrap as root, mmdebstrap rootless). Takes minutes the first time.',
    input: { force: z.boolean().default(false).describe('Rebuild even when the inputs are unchanged') },
    output: { image: z.string(), hash: z.string(), base: z.string(), skipped: z.boolean(), durationMs: z.number() },
    annotations: SETS_OUTSIDE,
    actsOn: noFrame("builds the host's frame image, which every frame runs"),
    async handle(s, args, ctx) {
      return s.images.build({ force: args.force, progress: (message, step, total) => ctx.progress(message, step, total) });
    },
  }),
  defineTool({
    name: 'frame_image_status',
    title: 'Frame image status',
    description: 'Whether the frame image exists and was built from the current inputs.',
    input: {},
    output: {
      image: z.string(),
      exists: z.boolean(),
      hash: z.string().nullable(),
      expectedHash: z.string().nullable(),
      upToDate: z.boolean(),
      base: z.string().nullable(),
    },
    annotations: READS,
    actsOn: noFrame("reads the host's frame image"),
    async handle(s) {
      return s.images.status();
    },
  }),
  defineTool({
    name: 'frame_doctor',
    title: 'Check the host for frames',
    description:
      'Checks podman, tmux, the image, the socket directory and the port range, and probes the OCI runtime and ulimits that work here ' +
      '(saved to config.yaml). Each failure comes with a fix.',
    input: {},
    output: {
      ok: z.boolean(),
      checks: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'warn', 'fail']), detail: z.string(), fix: z.string().optional() })),
    },
    annotations: SETS,
    actsOn: noFrame('checks and configures the host'),
    async handle(s) {
      return s.doctor();
    },
  }),
] satisfies AnyTool<S>[];
