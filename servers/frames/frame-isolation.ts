import type { GlobalConfig } from '../shared/global-config.js';
import { endpointUrls, HOST_NAMES } from './agent-endpoints.js';
import type { ContainerRuntime } from './container-runtime.js';
import type { FrameConfig } from './frame-config.js';
import { EGRESS_PROXY_PORT } from './frame-egress.js';
import { FrameFirewall } from './frame-firewall.js';
import { FrameNetworks } from './frame-network.js';

/**
 * The host TCP ports a frame may reach: the configured ones, and the port of every endpoint its
 * agents are pointed at on the host (a model server such as Ollama, a fake model API in the tests).
 */
export function hostPortsFor(
  config: GlobalConfig,
  frame: FrameConfig,
  env: NodeJS.ProcessEnv,
  gateway?: string,
): number[] {
  const ports = new Set(config.frames.network.host_ports);
  for (const { url } of endpointUrls([...Object.entries(env), ...Object.entries(frame.agents?.env ?? {})])) {
    if (!HOST_NAMES.includes(url.hostname) && url.hostname !== gateway) continue;
    ports.add(url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
  }
  return [...ports];
}

/**
 * Keeps frames apart: a network per frame, and (as root) the firewall rules of FrameFirewall. A
 * rootless podman runs each frame behind its own slirp4netns, which already keeps frames apart and
 * off the host's loopback; there is no firewall of ours to add then.
 */
export class FrameIsolation {
  private readonly networks: FrameNetworks;
  private readonly firewall = new FrameFirewall();

  constructor(
    private readonly config: GlobalConfig,
    private readonly runtime: ContainerRuntime,
    homeId: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.networks = new FrameNetworks(runtime, () => config.frames.network.pool, homeId);
  }

  /** Whether frames get networks and rules of their own here. */
  get active(): boolean {
    return this.config.frames.network.isolate && process.getuid?.() === 0;
  }

  /** The network a new container of this frame joins and its gateway (undefined: podman's default). */
  async networkFor(frameId: string): Promise<{ name: string; gateway: string } | undefined> {
    if (!this.active) return undefined;
    const net = await this.networks.ensure(frameId);
    return { name: net.name, gateway: net.gateway };
  }

  /**
   * A frame whose network is none or an allowlist needs rules only Optagon as root sets (the
   * proxy alone would not hold: a process can ignore HTTP_PROXY). Refused, saying why, elsewhere.
   */
  checkNetworkMode(frameName: string, frame: FrameConfig): void {
    if ((frame.network ?? 'full') === 'full' || this.active) return;
    throw new Error(
      `frame '${frameName}' has network ${typeof frame.network === 'string' ? frame.network : 'allowlist'}, which needs Optagon's firewall: ` +
        (this.config.frames.network.isolate
          ? 'run Optagon as root (rootless podman gives each frame a slirp4netns network Optagon cannot filter)'
          : 'set frames.network.isolate: true in config.yaml') +
        ", or set the frame's network to full",
    );
  }

  /**
   * Before a start: the frame's network and rules are in place, and a container made before frames
   * had networks of their own is moved onto its network.
   */
  async apply(frameId: string, frame: FrameConfig, containerId: string | null): Promise<void> {
    if (!this.active) return;
    const net = await this.networks.ensure(frameId);
    const network = frame.network ?? 'full';
    const ports = hostPortsFor(this.config, frame, this.env, net.gateway);
    if (typeof network === 'object') ports.push(EGRESS_PROXY_PORT);
    await this.firewall.apply(this.config.frames.network.pool, key(frameId), net.subnet, ports, network === 'full');
    if (!containerId) return;
    const joined = await this.runtime.networksOf(containerId).catch((err: Error) => {
      if (/no such container/i.test(err.message)) return [net.name]; // gone: the start makes a new one
      throw err;
    });
    if (joined.includes(net.name)) return;
    await this.runtime.podman(['network', 'connect', net.name, containerId]);
    for (const other of joined) await this.runtime.podman(['network', 'disconnect', other, containerId]);
  }

  /** Every frame network (and its rules) this home made: for a test or tool cleaning up after itself. */
  async releaseAll(): Promise<void> {
    if (!this.active) return;
    for (const frameId of await this.networks.framesOfHome()) await this.release(frameId);
  }

  /** After the frame's container is gone: its rules and network go too. */
  async release(frameId: string): Promise<void> {
    if (!this.active) return;
    const net = await this.networks.find(frameId);
    if (net) await this.firewall.remove(key(frameId), net.subnet);
    await this.networks.remove(frameId);
  }
}

const key = (frameId: string) => frameId.replace(/-/g, '').slice(0, 12);
