import { z } from 'zod';
import { everyFrame, noFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { ACTS, READS, REMOVES } from '../shared/tool-annotations.js';
import { redactConfig } from './frame-config.js';
import { COMMAND_NAME } from './frame-project-config.js';
import {
  commandOutput,
  eventOutput,
  frameName,
  frameOutput,
  frameRef,
  projectOutput,
  toEventOutput,
  toFrameOutput,
  toProjectOutput,
} from './schemas.js';
import type { FrameDetails } from './frame-manager.js';
import type { FramesServices } from './services.js';
import { frameStatuses } from './state-store.js';

type S = FramesServices;
const defineTool = toolsFor<S>();

const frameResult = { frame: frameOutput };

/** start, stop and restart: one frame in, the frame's new state out. */
function lifecycleTool<const N extends string>(
  name: N,
  title: string,
  description: string,
  act: (s: S, frame: string) => Promise<FrameDetails>,
) {
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

/** The frames themselves: create, start, stop, restart, destroy, list and get. */
export const lifecycleTools = [
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
      return {
        destroyed: { id: d.id, name: d.name, hostPort: d.hostPort, workspace: d.workspacePath },
        workspaceKept: true as const,
      };
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
    input: {
      frame: frameRef,
      events: z.number().int().min(0).max(500).default(10).describe('How many recent events to include'),
    },
    output: {
      frame: frameOutput,
      config: z.record(z.string(), z.unknown()),
      project: projectOutput,
      commands: z.array(commandOutput).describe("The start commands' windows (while the frame runs)"),
      events: z.array(eventOutput),
    },
    annotations: READS,
    async handle(s, args) {
      const frame = await s.frames.get(args.frame);
      return {
        frame: toFrameOutput(frame),
        config: redactConfig(s.frames.getConfig(frame.id).config),
        project: toProjectOutput(frame.project),
        commands: frame.commands,
        events: s.frames.events(frame.id, args.events).events.map(toEventOutput),
      };
    },
  }),
  defineTool({
    name: 'frame_run',
    title: 'Run a frame command again',
    description:
      "(Re)starts one of the frame's start commands in its tmux window (ending the one running there), or with name 'setup' runs the setup commands again. " +
      "The names are the config's start[].name (or devcontainer.json's postStartCommand keys); frame_get shows them and their state.",
    input: {
      frame: frameRef,
      name: z.string().regex(COMMAND_NAME, 'a command name: its window in the frame').describe('Which command'),
    },
    output: { frame: frameOutput, commands: z.array(commandOutput) },
    annotations: ACTS,
    async handle(s, args) {
      const frame = await s.frames.run(args.frame, args.name);
      return { frame: toFrameOutput(frame), commands: frame.commands };
    },
  }),
] satisfies AnyTool<S>[];
