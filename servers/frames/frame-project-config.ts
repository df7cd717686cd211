import { isIP } from 'node:net';
import { z } from 'zod';
import { resourcesSchema } from '../shared/frame-resources.js';

/**
 * What a frame needs to fit its project, in the frame config: commands to set it up and to run it,
 * more ports, environment, resource limits, extra mounts, git identity and SSH agent, its own image,
 * and where it may connect to. Each is validated here, so a bad value is refused when it is set.
 */

/** A tmux window name a command runs in (also its name for frame_run). */
export const COMMAND_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const command = z.string().min(1).max(10_000);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
/** One line: the environment reaches podman as an env file (off its command line, which others can read). */
const envValue = z
  .string()
  .max(10_000)
  .regex(/^[^\r\n\0]*$/, 'one line (a multi-line value belongs in a file in the workspace)');
const LABELS = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*';
/** A DNS name: what the hosts file holds. */
const hostName = z
  .string()
  .max(253)
  .regex(new RegExp(`^${LABELS}$`, 'i'), 'a host name such as db.test');
/** A DNS name, or '*.' and one for its subdomains: what an allowlist holds. */
const allowedHost = z
  .string()
  .max(253)
  .regex(new RegExp(`^(\\*\\.)?${LABELS}$`, 'i'), 'a host name such as github.com, or *.npmjs.org');
/** Paths a mount may not go to: the frame's own mounts, and what the image needs to work. */
const RESERVED_TARGETS = ['/workspace', '/run', '/worktrees', '/proc', '/sys', '/dev', '/etc', '/usr', '/bin', '/sbin'];
/** Container ports Optagon uses itself. */
export const DEFAULT_PORT = 3000;

export const projectConfigShape = {
  /** Shell commands run once, one after another, after the frame's container is made (window `setup`). */
  setup: z.array(command).max(20),
  /** Commands run at every start, each in a window of its own (a dev server); frame_run restarts one. */
  start: z
    .array(
      z
        .object({
          name: z.string().regex(COMMAND_NAME, '1-32 characters of letters, digits, ".", "_" and "-"'),
          command,
        })
        .strict(),
    )
    .max(10)
    .superRefine((list, ctx) => {
      const names = new Set<string>();
      for (const [i, c] of list.entries()) {
        if (c.name === 'setup')
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: "'setup' is the setup window" });
        if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${c.name}' twice` });
        names.add(c.name);
      }
    }),
  /** Container ports published besides 3000, each on a host port of its own from frames.port_range. */
  ports: z
    .array(z.number().int().min(1).max(65535))
    .max(20)
    .refine((p) => new Set(p).size === p.length, 'a port is listed twice'),
  /** Environment of every process in the frame (not the agents' model keys: those are agents.env). */
  env: z.record(envName, envValue),
  resources: resourcesSchema,
  /** Host directories (under frames.workspace_roots) mounted into the frame, read-only unless said. */
  mounts: z
    .array(
      z
        .object({
          source: z.string().startsWith('/', 'an absolute host path'),
          target: z
            .string()
            .regex(/^\/[^:,\0]*$/, 'an absolute path in the frame, without ":" or ","')
            .refine(
              (t) => t !== '/' && !RESERVED_TARGETS.some((r) => t === r || t.startsWith(`${r}/`)),
              `not /, nor in ${RESERVED_TARGETS.join(', ')}`,
            ),
          read_only: z.boolean().default(true),
        })
        .strict(),
    )
    .max(20),
  /** Who commits in the frame (GIT_AUTHOR_* and GIT_COMMITTER_*). */
  git: z.object({ name: envValue.min(1).max(200), email: envValue.min(3).max(200) }).strict(),
  /** The host's SSH agent (SSH_AUTH_SOCK) in the frame, for git push: anything in the frame can then use its keys. */
  ssh_agent: z.boolean(),
  /** The frame's image (built FROM the Optagon frame image: it must hold tmux). */
  image: z.string().regex(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i, 'an image reference such as localhost/my-frame:latest'),
  /** full: anywhere; none: nowhere but the host ports it is given; allowlist: those hosts only, through a proxy. */
  network: z.union([z.enum(['full', 'none']), z.object({ allowlist: z.array(allowedHost).min(1).max(200) }).strict()]),
  /** Names in the frame's /etc/hosts (name: IPv4 or IPv6 address). */
  hosts: z.record(
    hostName,
    z.string().refine((ip) => isIP(ip) !== 0, 'an IP address'),
  ),
};

/** The project's keys, each optional in a frame config. */
export const projectConfigSchema = z.object(projectConfigShape).partial();

export type NetworkMode = 'full' | 'none' | { allowlist: string[] };
