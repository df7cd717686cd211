import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GlobalConfig } from '../shared/global-config.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import { ensurePrivateDir } from '../shared/private-dir.js';
import { sleep } from '../shared/sleep.js';
import { PORT_IN_USE, type ContainerRuntime } from './container-runtime.js';
import type { FrameConfig } from './frame-config.js';
import type { FrameIsolation } from './frame-isolation.js';
import type { PortAllocator } from './port-allocator.js';
import type { FrameRecord, StateStore } from './state-store.js';
import type { FrameUserNamespace } from './user-namespace.js';

/** How long a port the frame's own last run held may take to be free again (see startExisting). */
const PORT_RELEASE_MS = 10_000;

export interface FrameContainersDeps {
  home: OptagonHome;
  store: StateStore;
  config: GlobalConfig;
  runtime: ContainerRuntime;
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
    userns: FrameUserNamespace,
  ): Promise<{ frame: FrameRecord; containerId: string }> {
    for (let attempt = 1; ; attempt++) {
      const containerId = await this.create(frame, userns);
      await this.deps.isolation.apply(frame.id, config, null);
      try {
        await this.deps.runtime.start(containerId);
        return { frame, containerId };
      } catch (err) {
        if (attempt >= 3 || !PORT_IN_USE.test((err as Error).message)) throw err;
        await this.deps.runtime.remove(containerId);
        const from = frame.hostPort;
        frame = this.deps.store.immediate(() =>
          this.deps.store.updateFrame(frame.id, { hostPort: this.deps.ports.pick() }),
        );
        this.deps.store.addEvent(frame.id, 'port_changed', {
          from,
          to: frame.hostPort,
          why: 'another program took the port',
        });
      }
    }
  }

  private async create(frame: FrameRecord, userns: FrameUserNamespace): Promise<string> {
    const name = this.deps.containerName(frame);
    await this.deps.runtime.remove(name); // a leftover with our name (from a crash mid-create) would block create
    mkdirSync(this.deps.home.frameLogDir, { recursive: true });
    const network = await this.deps.isolation.networkFor(frame.id);
    return this.deps.runtime.create({
      name,
      image: this.deps.config.frames.image,
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
      logFile: this.deps.home.frameLogFile(frame.id),
      userns: userns.flags,
      ...(network ? { network } : {}),
    });
  }
}
