import { runCommand } from '../shared/run-command.js';
import { existsSync } from 'node:fs';
import type { GlobalConfig } from '../shared/global-config.js';
import type { ImageBuilder } from './image-builder.js';
import { LOCAL_BASE } from './image-builder.js';
import { listeningPorts } from './port-allocator.js';
import type { RuntimeSettingsResolver } from './runtime-settings.js';
import type { StateStore } from './state-store.js';
import type { ContainerRuntime } from './container-runtime.js';
import { ensureSocketDir } from './socket-dir.js';
import type { Check } from './check.js';
import { parsePodmanInfo, podmanHostChecks } from './podman-host.js';
import { frameRootCheck } from './user-namespace.js';

export type { Check };

export interface DoctorDeps {
  config: GlobalConfig;
  configFile: string;
  store: StateStore;
  runtime: ContainerRuntime;
  settings: RuntimeSettingsResolver;
  images: ImageBuilder;
}

async function version(cmd: string, args: string[]): Promise<string | null> {
  const r = await runCommand(cmd, args, { timeoutMs: 10_000 });
  return r.exitCode === 0 ? r.stdout.split('\n')[0]!.trim() : null;
}

/**
 * Checks what frames need on this host and prints a fix for each failure. The runtime probe writes
 * its result (OCI runtime, ulimits) to config.yaml, since those are host facts, not preferences.
 */
export async function runDoctor(deps: DoctorDeps): Promise<{ ok: boolean; checks: Check[] }> {
  const { config } = deps;
  const checks: Check[] = [];

  const podman = await version(config.podman.binary, ['--version']);
  checks.push(
    podman
      ? { name: 'podman', status: 'ok', detail: podman }
      : {
          name: 'podman',
          status: 'fail',
          detail: `'${config.podman.binary}' did not run`,
          fix: 'sudo apt-get install podman runc',
        },
  );
  // tmux runs in the frames (their image has it); the host needs none. What the host needs is the
  // firewall that keeps frames apart, when it is Optagon's to set (as root).
  if (!config.frames.network.isolate) {
    checks.push({
      name: 'isolation',
      status: 'warn',
      detail: "frames.network.isolate is off: frames reach each other's ports and the host's services",
      fix: 'set frames.network.isolate: true in config.yaml',
    });
  } else if (process.getuid?.() !== 0) {
    checks.push({
      name: 'isolation',
      status: 'ok',
      detail: 'rootless: each frame behind its own slirp4netns (no host loopback); a network per frame needs root',
    });
  } else {
    const iptables = await version('iptables', ['--version']);
    checks.push(
      iptables
        ? {
            name: 'isolation',
            status: 'ok',
            detail: `a network per frame from ${config.frames.network.pool}, ${iptables}`,
          }
        : {
            name: 'isolation',
            status: 'fail',
            detail: 'iptables is missing: frames cannot be kept off each other and off the host',
            fix: 'sudo apt-get install iptables',
          },
    );
  }

  if (podman) {
    const info = await runCommand(config.podman.binary, ['info', '--format', 'json'], { timeoutMs: 30_000 });
    if (info.exitCode === 0) checks.push(...podmanHostChecks(parsePodmanInfo(info.stdout)));
    else
      checks.push({
        name: 'podman mode',
        status: 'fail',
        detail: `podman info failed: ${info.stderr.trim().split('\n').pop()}`,
        fix: 'run `podman info` and fix what it says',
      });
    if (process.getuid?.() === 0) checks.push(frameRootCheck(deps.store.listFrames()));

    const image = await deps.images.status().catch((err: Error) => err);
    if (image instanceof Error) {
      checks.push({ name: 'image', status: 'fail', detail: image.message, fix: 'optagon image build' });
    } else if (!image.exists) {
      checks.push({ name: 'image', status: 'fail', detail: `${image.image} is not built`, fix: 'optagon image build' });
    } else if (!image.upToDate) {
      checks.push({
        name: 'image',
        status: 'warn',
        detail: `${image.image} was built from other inputs (${image.hash ?? 'unlabelled'}, now ${image.expectedHash ?? 'unknown'})`,
        fix: 'optagon image build',
      });
    } else {
      checks.push({ name: 'image', status: 'ok', detail: `${image.image} (inputs ${image.hash})` });
    }

    const probeImage =
      !(image instanceof Error) && image.exists
        ? image.image
        : (await deps.runtime.imageExists(LOCAL_BASE))
          ? LOCAL_BASE
          : null;
    if (!probeImage) {
      checks.push({
        name: 'runtime',
        status: 'warn',
        detail: 'no local image to probe the runtime with yet',
        fix: 'optagon image build (it probes first)',
      });
    } else {
      try {
        const r = await deps.settings.probe(probeImage);
        checks.push({
          name: 'runtime',
          status: 'ok',
          detail: `--runtime ${r.runtime} --ulimit nofile=${r.ulimits.nofile} --ulimit nproc=${r.ulimits.nproc} (written to ${deps.configFile})`,
        });
      } catch (err) {
        checks.push({
          name: 'runtime',
          status: 'fail',
          detail: (err as Error).message,
          fix: 'sudo apt-get install runc',
        });
      }
    }
  }

  const root = config.frames.socket_root;
  try {
    ensureSocketDir(root);
    checks.push({
      name: 'socket dir',
      status: 'ok',
      detail: `${root} is yours, mode 0700, with no symlink or directory others can write on the way`,
    });
  } catch (err) {
    checks.push({
      name: 'socket dir',
      status: 'fail',
      detail: (err as Error).message,
      fix: `set frames.socket_root in config.yaml to a directory of yours (e.g. under $XDG_RUNTIME_DIR), or remove what is in the way`,
    });
  }

  const { start, end } = config.frames.port_range;
  const held = new Set(deps.store.usedPorts());
  const listening = listeningPorts();
  let free = 0;
  for (let p = start; p <= end; p++) if (!held.has(p) && !listening.has(p)) free++;
  checks.push(
    free > 0
      ? {
          name: 'ports',
          status: free < 10 ? 'warn' : 'ok',
          detail: `${free} of ${end - start + 1} ports in ${start}-${end} free (${held.size} held by frames)`,
        }
      : {
          name: 'ports',
          status: 'fail',
          detail: `no free port in ${start}-${end}`,
          fix: 'destroy unused frames or widen frames.port_range in config.yaml',
        },
  );

  checks.push(...(await frameImageChecks(deps)));

  // The offline base image: debootstrap as root, mmdebstrap in a user namespace for anyone else.
  const tool = process.getuid?.() === 0 ? 'debootstrap' : 'mmdebstrap';
  const bootstrap =
    existsSync(`/usr/${tool === 'debootstrap' ? 's' : ''}bin/${tool}`) || (await version(tool, ['--version']));
  checks.push(
    bootstrap
      ? { name: tool, status: 'ok', detail: 'available to build the base image when no registry answers' }
      : {
          name: tool,
          status: 'warn',
          detail: 'missing; needed only when no container registry is reachable',
          fix: `sudo apt-get install ${tool}`,
        },
  );

  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** Frames that run an image of their own (config `image`): each must exist and hold tmux, which frames run. */
async function frameImageChecks(deps: DoctorDeps): Promise<Check[]> {
  const users = new Map<string, string[]>();
  for (const frame of deps.store.listFrames()) {
    const image = deps.store.getConfig(frame.id)?.image;
    if (typeof image === 'string' && image !== deps.config.frames.image)
      users.set(image, [...(users.get(image) ?? []), frame.name]);
  }
  const checks: Check[] = [];
  for (const [image, frames] of users) {
    const name = `image ${image}`;
    const fix = `build it FROM ${deps.config.frames.image} (which has tmux), or unset image in the config of ${frames.join(', ')}`;
    if (!(await deps.runtime.imageExists(image))) {
      checks.push({ name, status: 'fail', detail: `missing; frames ${frames.join(', ')} run it`, fix });
      continue;
    }
    const tmux = await deps.runtime
      .podman(['run', '--rm', ...deps.runtime.runtimeFlags(), '--entrypoint', 'sh', image, '-c', 'command -v tmux'], {
        timeoutMs: 60_000,
      })
      .catch(() => '');
    checks.push(
      tmux.trim()
        ? { name, status: 'ok', detail: `has tmux (${tmux.trim()}); frames ${frames.join(', ')} run it` }
        : { name, status: 'fail', detail: `has no tmux, which a frame runs its session in`, fix },
    );
  }
  return checks;
}
