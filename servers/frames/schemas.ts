import { z } from 'zod';
import { FRAME_NAME, FRAME_NAME_RULE, type FrameDetails } from './frame-manager.js';
import type { FrameProject } from './frame-project.js';
import { frameStatuses, type FrameEvent, type FrameRecord } from './state-store.js';

/** A frame reference in tool input: its name, its id, or a unique id prefix. */
export const frameRef = z.string().min(1, 'name the frame (its name or id)').max(100).describe('Frame name or id');
export const frameName = z
  .string()
  .regex(FRAME_NAME, FRAME_NAME_RULE)
  .describe('Frame name: a-z, 0-9 and -, up to 63 characters');

const isoTime = z.string().describe('ISO 8601 time');

export const frameOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(frameStatuses),
  workspace: z.string().describe('Host directory mounted at /workspace'),
  hostPort: z.number().nullable().describe('Host port mapped to the container port 3000'),
  url: z.string().nullable().describe('Where the app on port 3000 answers from the host'),
  containerId: z.string().nullable(),
  containerName: z.string(),
  tmuxSocket: z
    .string()
    .describe(
      "Host path of the frame's tmux socket (not for host tmux clients: the frame's server could make them run commands)",
    ),
  groupId: z.string().describe('Knowledge-graph group id of this frame'),
  createdAt: isoTime,
  updatedAt: isoTime,
  lastActiveAt: isoTime.nullable(),
  ports: z
    .array(z.object({ container: z.number(), host: z.number(), url: z.string() }))
    .describe("Published ports: 3000 first, then the config's ports"),
  setup: z
    .object({
      state: z.enum(['running', 'succeeded', 'failed']),
      exitCode: z.number().optional(),
      step: z.number().optional().describe('The setup command that failed (1 is the first)'),
      at: isoTime,
    })
    .optional()
    .describe('How the setup commands went (after the container was made); absent when they never ran'),
});

/** frame_get's view of what the frame runs with (its config, else devcontainer.json, else defaults). */
export const projectOutput = z.object({
  setup: z.array(z.string()),
  start: z.array(z.object({ name: z.string(), command: z.string() })),
  ports: z.array(z.number()).describe('Container ports published besides 3000'),
  envNames: z.array(z.string()).describe('Environment variables set in every process (values in config)'),
  resources: z.object({ cpus: z.number().optional(), memory: z.string().optional(), pids: z.number().optional() }),
  mounts: z.array(z.object({ source: z.string(), target: z.string(), readOnly: z.boolean() })),
  sshAgent: z.boolean(),
  image: z.string(),
  network: z.union([z.enum(['full', 'none']), z.object({ allowlist: z.array(z.string()) })]),
  hosts: z.record(z.string(), z.string()),
  devcontainer: z
    .object({
      file: z.string(),
      keys: z.array(z.string()).describe('The keys whose values came from it'),
      warnings: z.array(z.string()),
    })
    .optional(),
});

export const commandOutput = z.object({
  name: z.string(),
  command: z.string(),
  state: z.enum(['running', 'exited', 'missing']),
  exitCode: z.number().optional(),
});

export const eventOutput = z.object({
  id: z.number(),
  type: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  at: isoTime,
});

const iso = (ms: number) => new Date(ms).toISOString();

export function toFrameOutput(f: FrameDetails): z.infer<typeof frameOutput> {
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    status: f.status,
    workspace: f.workspacePath,
    hostPort: f.hostPort,
    url: f.url,
    containerId: f.containerId,
    containerName: f.containerName,
    tmuxSocket: f.tmuxSocket,
    groupId: f.graphitiGroupId,
    createdAt: iso(f.createdAt),
    updatedAt: iso(f.updatedAt),
    lastActiveAt: f.lastActiveAt ? iso(f.lastActiveAt) : null,
    ports: f.ports,
    ...(f.setup ? { setup: { ...f.setup, at: iso(f.setup.at) } } : {}),
  };
}

export function toProjectOutput(p: FrameProject): z.infer<typeof projectOutput> {
  const { env, ...rest } = p;
  return { ...rest, envNames: Object.keys(env) };
}

export function toEventOutput(e: FrameEvent): z.infer<typeof eventOutput> {
  return { id: e.id, type: e.type, details: e.details, at: iso(e.createdAt) };
}

export const frameBrief = (f: FrameRecord) => ({ id: f.id, name: f.name, status: f.status });
export const frameBriefOutput = z.object({ id: z.string(), name: z.string(), status: z.enum(frameStatuses) });

/** POSIX-shell quoting for commands we print for people to paste. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
