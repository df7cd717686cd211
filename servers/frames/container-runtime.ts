import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDMAPPED_LAYERS_FAILURE, preferCopiedLayers } from './idmapped-layers.js';
import { procStats, type ContainerStats } from './proc-stats.js';
import { runCommand, type CommandResult } from '../shared/run-command.js';
import type { Resources } from '../shared/frame-resources.js';

export const FRAME_LABEL = 'io.optagon.frame';
/** Which Optagon home made a container, so a daemon only ever cleans up its own orphans. */
export const HOME_LABEL = 'io.optagon.home';

/** How podman runs on this host: which runtime and which ulimits it accepts (probed by `optagon doctor`). */
export interface RuntimeSettings {
  binary: string;
  runtime?: string;
  ulimits?: { nofile: number; nproc: number };
}

/** Where agents' git work trees live in a frame: a mount of its own, outside /workspace and its .git. */
export const WORKTREES_IN_FRAME = '/worktrees';

export interface ContainerSpec {
  name: string;
  image: string;
  frameId: string;
  frameName: string;
  homeId: string;
  workspace: string;
  socketDir: string;
  /** Host directory of the agents' work trees, mounted at WORKTREES_IN_FRAME. */
  worktrees: string;
  bindAddress: string;
  hostPort: number;
  logFile: string;
  /** --uidmap/--gidmap flags: who the frame's root is on the host (see user-namespace.ts). */
  userns: string[];
  /** The frame's own network (see FrameIsolation); podman's default when unset. */
  network?: string;
  /** Container ports published besides 3000, each on its own host port. */
  extraPorts?: Array<{ container: number; host: number }>;
  /** The project's environment (frame config `env`, git identity, proxy), below Optagon's own. */
  env?: Record<string, string>;
  resources?: Resources;
  /** More host paths in the frame (frame config `mounts`, the SSH agent's socket). */
  mounts?: Array<{ source: string; target: string; readOnly: boolean }>;
  /** Names for the frame's /etc/hosts. */
  hosts?: Record<string, string>;
}

/** podman create flags for a frame's resource limits. */
export function resourceFlags(r: Resources): string[] {
  return [
    ...(r.cpus !== undefined ? ['--cpus', String(r.cpus)] : []),
    ...(r.memory !== undefined ? ['--memory', r.memory, '--memory-swap', r.memory] : []),
    ...(r.pids !== undefined ? ['--pids-limit', String(r.pids)] : []),
  ];
}

/** One container as `podman ps` sees it. */
export interface ContainerState {
  id: string;
  frameId: string;
  homeId: string;
  name: string;
  state: string; // created | running | paused | exited | stopped | ...
  exitCode: number;
}

const units: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

function parseSize(text: string): number {
  const m = /^([\d.]+)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return 0;
  return Math.round(parseFloat(m[1]!) * (units[(m[2] || 'b').toLowerCase()] ?? 1));
}

/**
 * What a frame's processes may not do, whatever runs there: only the capabilities a dev shell uses
 * (files owned by others, apt dropping to its own user, servers on low ports, signals, and the
 * chroot that Chromium's own sandbox makes in its user namespace), no gaining privileges through
 * setuid binaries, and no device beyond podman's defaults (none is added).
 */
export const FRAME_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
];
const HARDENING = [
  '--cap-drop',
  'all',
  ...FRAME_CAPABILITIES.flatMap((c) => ['--cap-add', c]),
  '--security-opt',
  'no-new-privileges',
];

/** How podman says a container's published port is held by something else. */
export const PORT_IN_USE = /address already in use/i;

/** The first frame of a workspace owner may wait for podman's id-shifted copy of the image (user-namespace.ts). */
const SHIFTED_COPY_MS = 600_000;

/** Podman with argument arrays only: no shell ever sees a frame name or a path. */
export class ContainerRuntime {
  constructor(private readonly settings: RuntimeSettings) {}

  /** Runs podman; failures become errors that carry podman's own message and what to do about it. */
  async podman(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    const result = await runCommand(this.settings.binary, args, opts);
    if (result.exitCode !== 0) throw podmanError(this.settings.binary, args, result);
    return result.stdout;
  }

  /** The --runtime and --ulimit flags every container (and image build) needs on this host. */
  runtimeFlags(settings: RuntimeSettings = this.settings): string[] {
    const flags: string[] = [];
    if (settings.runtime) flags.push('--runtime', settings.runtime);
    if (settings.ulimits) {
      flags.push('--ulimit', `nofile=${settings.ulimits.nofile}:${settings.ulimits.nofile}`);
      flags.push('--ulimit', `nproc=${settings.ulimits.nproc}:${settings.ulimits.nproc}`);
    }
    return flags;
  }

  async create(spec: ContainerSpec): Promise<string> {
    // The project's environment may hold secrets: in a private file, not in podman's argv (which any
    // local user reads in /proc), and gone once the container holds it.
    const envDir = mkdtempSync(join(tmpdir(), 'optagon-env-'));
    const envFile = join(envDir, 'env');
    writeFileSync(
      envFile,
      Object.entries(spec.env ?? {})
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    try {
      return await this.createWith(spec, envFile);
    } finally {
      rmSync(envDir, { recursive: true, force: true });
    }
  }

  private async createWith(spec: ContainerSpec, envFile: string): Promise<string> {
    const out = await this.podman(
      [
        'create',
        '--name',
        spec.name,
        '--label',
        `${FRAME_LABEL}=${spec.frameId}`,
        '--label',
        `io.optagon.name=${spec.frameName}`,
        '--label',
        `${HOME_LABEL}=${spec.homeId}`,
        '--hostname',
        spec.frameName,
        ...this.runtimeFlags(),
        ...HARDENING,
        ...spec.userns,
        '--volume',
        `${spec.workspace}:/workspace`,
        '--volume',
        `${spec.socketDir}:/run/optagon`,
        '--volume',
        `${spec.worktrees}:${WORKTREES_IN_FRAME}`,
        ...(spec.mounts ?? []).flatMap((m) => ['--volume', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`]),
        ...(spec.network ? ['--network', spec.network] : []),
        '--publish',
        `${spec.bindAddress}:${spec.hostPort}:3000`,
        ...(spec.extraPorts ?? []).flatMap((p) => ['--publish', `${spec.bindAddress}:${p.host}:${p.container}`]),
        ...Object.entries(spec.hosts ?? {}).flatMap(([name, ip]) => ['--add-host', `${name}:${ip}`]),
        ...resourceFlags(spec.resources ?? {}),
        '--env-file',
        envFile,
        '--env',
        `OPTAGON_FRAME_ID=${spec.frameId}`,
        '--env',
        `OPTAGON_FRAME_NAME=${spec.frameName}`,
        '--env',
        'TERM=xterm-256color',
        '--log-driver',
        'k8s-file',
        '--log-opt',
        `path=${spec.logFile}`,
        '--log-opt',
        'max-size=10mb', // podman rotates the frame log itself
        spec.image,
      ],
      { timeoutMs: SHIFTED_COPY_MS },
    );
    return out.trim();
  }

  /** The networks a container is on. */
  async networksOf(id: string): Promise<string[]> {
    const out = await this.podman(['container', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', id]);
    const nets = JSON.parse(out || '{}') as Record<string, unknown> | null;
    return Object.keys(nets ?? {});
  }

  async start(id: string): Promise<void> {
    try {
      await this.podman(['start', id], { timeoutMs: SHIFTED_COPY_MS });
    } catch (err) {
      if (!IDMAPPED_LAYERS_FAILURE.test((err as Error).message)) throw err;
      const runRoot = (await this.podman(['info', '--format', '{{.Store.RunRoot}}'])).trim();
      if (!preferCopiedLayers(runRoot)) throw err;
      console.error(
        `optagon: podman's id-mapped image layers fail on this kernel; it copies the image with shifted ids instead (about 30 s, once per workspace owner)`,
      );
      await this.podman(['start', id], { timeoutMs: SHIFTED_COPY_MS });
    }
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.podman(['stop', '--time', String(timeoutSeconds), id], { timeoutMs: (timeoutSeconds + 30) * 1000 });
  }

  async remove(id: string): Promise<void> {
    try {
      await this.podman(['rm', '--force', '--ignore', id]);
    } catch (err) {
      // Podman 4.3 removes a container in a user namespace that still had an exec session (a control
      // channel) but then fails to unmount its shm, and says so: asked again, it finds nothing left.
      if (!/userdata\/shm: device or resource busy/.test((err as Error).message)) throw err;
      await this.podman(['rm', '--force', '--ignore', id]);
    }
  }

  /** Every Optagon container on the host, in one podman call (reconciliation reads this). */
  async list(): Promise<ContainerState[]> {
    const out = await this.podman(['ps', '--all', '--filter', `label=${FRAME_LABEL}`, '--format', 'json']);
    const rows = JSON.parse(out || '[]') as Array<{
      Id: string;
      Names: string[];
      State: string;
      ExitCode: number;
      Labels: Record<string, string> | null;
    }>;
    return rows.map((r) => ({
      id: r.Id,
      frameId: r.Labels?.[FRAME_LABEL] ?? '',
      homeId: r.Labels?.[HOME_LABEL] ?? '',
      name: r.Names[0] ?? '',
      state: r.State,
      exitCode: r.ExitCode,
    }));
  }

  async logs(id: string, tail: number): Promise<string> {
    // podman logs replays the container's stdout and stderr on its own two streams.
    const result = await runCommand(this.settings.binary, ['logs', '--tail', String(tail), id]);
    if (result.exitCode !== 0) throw podmanError(this.settings.binary, ['logs', id], result);
    return [result.stdout, result.stderr].filter(Boolean).join('\n');
  }

  async stats(id: string): Promise<ContainerStats> {
    // Rootless on cgroup v1 podman has no figures: the kernel's for the container's processes stand
    // in, and podman is not asked again (dashboards poll every few seconds).
    if (this.podmanHasNoStats) return this.procStatsOf(id);
    const result = await runCommand(this.settings.binary, ['stats', '--no-stream', '--format', 'json', id]);
    if (result.exitCode !== 0 && /not supported in rootless mode without cgroups v2/i.test(result.stderr)) {
      this.podmanHasNoStats = true;
      return this.procStatsOf(id);
    }
    if (result.exitCode !== 0) throw podmanError(this.settings.binary, ['stats'], result);
    const out = result.stdout;
    const row = (JSON.parse(out) as Array<Record<string, string>>)[0];
    if (!row) throw new Error(`podman returned no statistics for container ${id}; is it running?`);
    const [used = '0B', limit = '0B'] = (row.mem_usage ?? '').split('/');
    return {
      cpuPercent: parseFloat(row.cpu_percent ?? '0') || 0,
      memUsageBytes: parseSize(used),
      memLimitBytes: parseSize(limit),
      memPercent: parseFloat(row.mem_percent ?? '0') || 0,
      pids: parseInt(row.pids ?? '0', 10) || 0,
    };
  }

  private podmanHasNoStats = false;

  private async procStatsOf(id: string): Promise<ContainerStats> {
    const pid = Number((await this.podman(['container', 'inspect', '--format', '{{.State.Pid}}', id])).trim());
    if (!(pid > 0)) throw new Error(`container ${id} is not running, so it has no statistics`);
    return procStats(pid);
  }

  /**
   * Runs `argv` in a running container as its root, with no shell unless argv asks for one, and
   * answers its exit code and output whatever they are: what a command in a frame prints is the
   * frame's, to be read as untrusted text.
   */
  exec(
    container: string,
    argv: readonly string[],
    opts: { input?: string; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return runCommand(this.settings.binary, ['exec', ...(opts.input !== undefined ? ['-i'] : []), container, ...argv], {
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
  }

  async imageExists(image: string): Promise<boolean> {
    const r = await runCommand(this.settings.binary, ['image', 'exists', image]);
    if (r.code === 'ENOENT') throw podmanError(this.settings.binary, ['image'], r);
    return r.exitCode === 0;
  }

  async imageLabel(image: string, label: string): Promise<string | undefined> {
    if (!(await this.imageExists(image))) return undefined;
    const out = await this.podman(['image', 'inspect', '--format', `{{index .Labels "${label}"}}`, image]);
    const value = out.trim();
    return value && value !== '<no value>' ? value : undefined;
  }
}

/** Turns a failed podman run into a message a user can act on. */
export function podmanError(
  binary: string,
  args: string[],
  r: Pick<CommandResult, 'code' | 'stderr' | 'exitCode'>,
): Error {
  if (r.code === 'ENOENT') {
    return new Error(
      `podman is not installed (could not run '${binary}'); install it with: sudo apt-get install podman runc`,
    );
  }
  const stderr = String(r.stderr ?? '').trim();
  const detail = stderr.split('\n').filter(Boolean).slice(-3).join(' | ') || `exit code ${r.exitCode}`;
  let hint = '';
  if (PORT_IN_USE.test(stderr))
    hint = "; another program holds the frame's port: stop it, or destroy and recreate the frame to get a new port";
  else if (/rlimit|ulimit/i.test(stderr))
    hint = '; the ulimits do not fit this host: run `optagon doctor` to probe working values';
  else if (/crun|runtime/i.test(stderr)) hint = '; the OCI runtime failed: run `optagon doctor` to probe a working one';
  return new Error(`podman ${args[0]} failed: ${detail}${hint}`);
}
