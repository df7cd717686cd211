import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GlobalConfig } from '../shared/global-config.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import { ensurePrivateDir } from '../shared/private-dir.js';
import { sleep } from '../shared/sleep.js';
import { PORT_IN_USE, type ContainerRuntime } from './container-runtime.js';
import type { FrameConfig } from './frame-config.js';
import { proxyEnv } from './frame-egress.js';
import type { FrameIsolation } from './frame-isolation.js';
import { frameProject, SSH_AGENT_IN_FRAME, type FrameProject } from './frame-project.js';
import type { RuntimeSettingsResolver } from './runtime-settings.js';
import type { PortAllocator } from './port-allocator.js';
import type { FrameRecord, PortMapping, StateStore } from './state-store.js';
import type { FrameUserNamespace } from './user-namespace.js';
import { checkMountSource } from './workspace.js';

/** Podman ignores resource limits rootless on cgroup v1 (it says so, and starts the container anyway). */
const limitsIgnored = () => process.getuid?.() !== 0 && !existsSync('/sys/fs/cgroup/cgroup.controllers');

/** How long a port the frame's own last run held may take to be free again (see startExisting). */
const PORT_RELEASE_MS = 10_000;

export interface FrameContainersDeps {
  home: OptagonHome;
  store: StateStore;
  config: GlobalConfig;
  runtime: ContainerRuntime;
  settings: RuntimeSettingsResolver;
  ports: PortAllocator;
  isolation: FrameIsolation;
  homeId: string;
  containerName(frame: Pick<FrameRecord, 'id' | 'name'>): string;
  socketDir(frameId: string): string;
}

/** A frame's container made and started: its mounts, user namespace, network and port, and the retries podman's port races need. */
export class FrameContainers {
  constructor(private readonly deps: FrameContainersDeps) {}

  /**
   * Before a start: what in the project changed since the frame's container was made (empty: it
   * can be started as it is), and the image a new container would need is there.
   */
  async prepare(frame: FrameRecord, project: FrameProject): Promise<string[]> {
    const fingerprint = containerFingerprint(project);
    // A container made before frames had projects was made with none of it.
    const bare = () =>
      containerFingerprint(frameProject({ name: frame.name, workspace: frame.workspacePath }, this.deps.config));
    const before = this.deps.store.runtimeState(frame.id).containerSpec ?? bare();
    const changed = frame.containerId && before !== fingerprint ? fingerprintChanges(before, fingerprint) : [];
    if (!frame.containerId || changed.length) {
      const { image } = project;
      if (!(await this.deps.runtime.imageExists(image)))
        throw new Error(
          image === this.deps.config.frames.image
            ? `the frame image ${image} is not built yet; build it with \`optagon image build\` (a few minutes, once)`
            : `frame '${frame.name}' runs the image ${image} (its config's image), which podman does not have; build it FROM ${this.deps.config.frames.image}, or unset image`,
        );
      await this.deps.settings.ensure(image);
    }
    return changed;
  }

  /** The container goes, for one made with what changed; the workspace stays, the setup runs again. */
  async recreating(frame: FrameRecord, containerId: string, changed: string[]): Promise<void> {
    await this.deps.runtime.remove(containerId);
    this.deps.store.addEvent(frame.id, 'container_recreated', {
      changed,
      why: 'the container is made with these; the workspace is kept, setup runs again',
    });
  }

  /**
   * Starts a container that exists. Right after it stopped, its published port can still be held a
   * moment by the podman processes of the run that ended (seen: a stop reported by podman's events,
   * then "address already in use" on the start that followed at once); such a start is tried again
   * for a few seconds before the port counts as another program's.
   */
  async startExisting(containerId: string): Promise<void> {
    for (const until = Date.now() + PORT_RELEASE_MS; ; await sleep(250)) {
      try {
        return await this.deps.runtime.start(containerId);
      } catch (err) {
        if (!PORT_IN_USE.test((err as Error).message) || Date.now() > until) throw err;
      }
    }
  }

  /**
   * Creates the frame's container and starts it. A port another program took since the frame got it
   * (another user's frame, started at the same moment from the same range) is given up for the next
   * free one, in a new container: this one is fresh, so nothing in it is lost.
   */
  async startNew(
    frame: FrameRecord,
    config: FrameConfig,
    project: FrameProject,
    userns: FrameUserNamespace,
  ): Promise<{ frame: FrameRecord; containerId: string }> {
    for (let attempt = 1; ; attempt++) {
      const containerId = await this.create(frame, project, userns);
      await this.deps.isolation.apply(frame.id, config, null);
      try {
        await this.deps.runtime.start(containerId);
        if (Object.keys(project.resources).length && limitsIgnored())
          this.deps.store.addEvent(frame.id, 'resources_not_enforced', {
            why: 'rootless podman on cgroup v1 cannot limit resources; run Optagon as root or boot with cgroup v2',
          });
        return { frame, containerId };
      } catch (err) {
        if (attempt >= 3 || !PORT_IN_USE.test((err as Error).message)) throw err;
        await this.deps.runtime.remove(containerId);
        const from = frame.hostPort;
        // Which of its ports was taken podman does not say: all are handed out again.
        frame = this.deps.store.immediate(() => {
          this.deps.store.setExtraPorts(frame.id, []);
          return this.deps.store.updateFrame(frame.id, { hostPort: this.deps.ports.pick() });
        });
        this.deps.store.addEvent(frame.id, 'port_changed', {
          from,
          to: frame.hostPort,
          why: 'another program took the port',
        });
      }
    }
  }

  /**
   * Host ports for the container ports the project publishes besides 3000: those it had are kept,
   * new ones get the lowest free, and ports no longer asked for are released.
   */
  private allocateExtraPorts(frameId: string, wanted: readonly number[]): PortMapping[] {
    const { store, ports } = this.deps;
    return store.immediate(() => {
      const had = new Map(store.extraPorts(frameId).map((p) => [p.container, p.host]));
      const kept = wanted.filter((p) => had.has(p)).map((p) => ({ container: p, host: had.get(p)! }));
      store.setExtraPorts(frameId, kept);
      for (const container of wanted.filter((p) => !had.has(p))) {
        kept.push({ container, host: ports.pick() });
        store.setExtraPorts(frameId, kept); // before the next pick, which reads what is taken
      }
      return kept.sort((a, b) => a.container - b.container);
    });
  }

  private async create(frame: FrameRecord, project: FrameProject, userns: FrameUserNamespace): Promise<string> {
    const name = this.deps.containerName(frame);
    await this.deps.runtime.remove(name); // a leftover with our name (from a crash mid-create) would block create
    mkdirSync(this.deps.home.frameLogDir, { recursive: true });
    const network = await this.deps.isolation.networkFor(frame.id);
    // An allowlist is kept by the firewall; the proxy is how listed hosts are reached.
    const env =
      typeof project.network === 'object' && network ? { ...project.env, ...proxyEnv(network.gateway) } : project.env;
    const workspaces = this.deps.store.listFrames().map((f) => f.workspacePath);
    const mounts = project.mounts.map((m) => ({
      ...m,
      source: checkMountSource(m.source, this.deps.config, this.deps.home, workspaces),
    }));
    if (project.sshAgent) mounts.push(sshAgentMount());
    const id = await this.deps.runtime.create({
      name,
      image: project.image,
      frameId: frame.id,
      frameName: frame.name,
      homeId: this.deps.homeId,
      workspace: frame.workspacePath,
      socketDir: this.deps.socketDir(frame.id),
      // The frame's root writes there: theirs when it maps to another host user, like the socket directory.
      worktrees: ensurePrivateDir(this.deps.home.worktreesDir(frame.id), {
        base: dirname(this.deps.home.worktreesDir(frame.id)),
        ...(userns.root ? { owner: userns.root } : {}),
      }),
      bindAddress: this.deps.config.frames.bind_address,
      hostPort: frame.hostPort!,
      extraPorts: this.allocateExtraPorts(frame.id, project.ports),
      logFile: this.deps.home.frameLogFile(frame.id),
      userns: userns.flags,
      env,
      resources: project.resources,
      mounts,
      hosts: project.hosts,
      ...(network ? { network: network.name } : {}),
    });
    this.deps.store.setRuntimeState(frame.id, { containerSpec: containerFingerprint(project), setup: null });
    return id;
  }
}

/**
 * What a container is made with and cannot change while it exists: a start that finds another
 * (the config or devcontainer.json changed) makes a new container. Commands are not in it: they
 * run in tmux and take effect at the next start without that.
 */
export function containerFingerprint(p: FrameProject): string {
  return JSON.stringify({
    image: p.image,
    ports: p.ports,
    env: p.env,
    resources: p.resources,
    mounts: p.mounts,
    sshAgent: p.sshAgent,
    network: p.network,
    hosts: p.hosts,
  });
}

/** The keys two fingerprints differ in, for the event that says why a container was made again. */
export function fingerprintChanges(before: string | null, after: string): string[] {
  if (!before) return [];
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** The host's SSH agent socket, for a frame that asked for it: SSH_AUTH_SOCK must name a socket. */
function sshAgentMount(): { source: string; target: string; readOnly: boolean } {
  const sock = process.env.SSH_AUTH_SOCK;
  if (!sock || !lstatSync(sock, { throwIfNoEntry: false })?.isSocket())
    throw new Error(
      `ssh_agent is on but ${sock ? `SSH_AUTH_SOCK (${sock}) is no socket` : 'SSH_AUTH_SOCK is not set'} where Optagon runs; start an ssh-agent (and ssh-add) before Optagon, or set ssh_agent: false`,
    );
  return { source: sock, target: SSH_AGENT_IN_FRAME, readOnly: false };
}
