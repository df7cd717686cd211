import type { Resources } from '../shared/frame-resources.js';
import type { GlobalConfig } from '../shared/global-config.js';
import type { DevcontainerValues } from './devcontainer.js';
import type { FrameConfig } from './frame-config.js';
import { DEFAULT_PORT, type NetworkMode } from './frame-project-config.js';

/** Where the host's SSH agent socket is in a frame that asked for it. */
export const SSH_AGENT_IN_FRAME = '/run/host-ssh-agent.sock';

export interface StartCommand {
  name: string;
  command: string;
}

export interface FrameMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * What a frame runs with: its config's project keys, else what the workspace's devcontainer.json
 * says, else the defaults of config.yaml. `devcontainer` tells which keys came from that file.
 */
export interface FrameProject {
  setup: string[];
  start: StartCommand[];
  /** Container ports published besides 3000. */
  ports: number[];
  env: Record<string, string>;
  resources: Resources;
  mounts: FrameMount[];
  sshAgent: boolean;
  image: string;
  network: NetworkMode;
  hosts: Record<string, string>;
  devcontainer?: { file: string; keys: string[]; warnings: string[] };
}

export function frameProject(config: FrameConfig, global: GlobalConfig, dc?: DevcontainerValues): FrameProject {
  const keys: string[] = [];
  /** The config's value; else the devcontainer's (noted); else the fallback. */
  const pick = <T>(key: string, own: T | undefined, theirs: T | undefined, fallback: T): T => {
    if (own !== undefined) return own;
    if (theirs !== undefined) {
      keys.push(key);
      return theirs;
    }
    return fallback;
  };
  const env = { ...pick('env', config.env, dc?.env, {}) };
  if (config.git) {
    env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = config.git.name;
    env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = config.git.email;
  }
  if (config.ssh_agent) env.SSH_AUTH_SOCK = SSH_AGENT_IN_FRAME;
  const project: FrameProject = {
    setup: pick('setup', config.setup, dc?.setup, []),
    start: pick('start', config.start, dc?.start, []),
    ports: pick('ports', config.ports, dc?.ports, []).filter((p) => p !== DEFAULT_PORT),
    env,
    resources: { ...global.frames.resources, ...pick('resources', config.resources, dc?.resources, {}) },
    mounts: (config.mounts ?? []).map((m) => ({ source: m.source, target: m.target, readOnly: m.read_only })),
    sshAgent: config.ssh_agent ?? false,
    image: config.image ?? global.frames.image,
    network: config.network ?? 'full',
    hosts: config.hosts ?? {},
  };
  if (dc) project.devcontainer = { file: dc.file, keys, warnings: dc.warnings };
  return project;
}
