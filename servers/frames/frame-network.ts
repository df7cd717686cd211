import { HOME_LABEL, type ContainerRuntime } from './container-runtime.js';

/** Label on a frame's network: the frame id it belongs to. */
export const NETWORK_LABEL = 'io.optagon.network';

export interface FrameNetwork {
  name: string;
  /** e.g. 10.213.7.0/24 */
  subnet: string;
  gateway: string;
}

interface PodmanNetwork {
  name: string;
  subnets?: Array<{ subnet: string; gateway?: string }>;
  labels?: Record<string, string> | null;
}

/**
 * One podman network per frame, a /24 from `pool`: frames on one shared bridge reach each other's
 * ports directly (bridged traffic never meets the host's firewall); on networks of their own, every
 * packet between them is routed through the host, where FrameFirewall drops it.
 */
export class FrameNetworks {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly pool: () => string,
    /** Put on each network as HOME_LABEL, like the containers, so a home's leftovers can be found. */
    private readonly homeId: string,
  ) {}

  static nameFor(frameId: string): string {
    return `optagon-${frameId.replace(/-/g, '').slice(0, 12)}`;
  }

  /** The frame's network, made when it has none yet. */
  async ensure(frameId: string): Promise<FrameNetwork> {
    const name = FrameNetworks.nameFor(frameId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const networks = await this.list();
      const mine = networks.find((n) => n.name === name);
      if (mine) return describe(mine);
      const subnet = freeSubnet(this.pool(), networks);
      try {
        await this.runtime.podman([
          'network',
          'create',
          '--subnet',
          subnet,
          '--label',
          `${NETWORK_LABEL}=${frameId}`,
          '--label',
          `${HOME_LABEL}=${this.homeId}`,
          name,
        ]);
      } catch (err) {
        // Another Optagon (a second home, a test in parallel) took that subnet or made the network first.
        if (/already (used|exists)|overlap/i.test((err as Error).message)) continue;
        throw err;
      }
    }
    const mine = (await this.list()).find((n) => n.name === name);
    if (!mine) throw new Error(`could not make network ${name}: every subnet tried was taken meanwhile; try again`);
    return describe(mine);
  }

  /** The frame's network, if it has one. */
  async find(frameId: string): Promise<FrameNetwork | undefined> {
    const mine = (await this.list()).find((n) => n.name === FrameNetworks.nameFor(frameId));
    return mine ? describe(mine) : undefined;
  }

  async remove(frameId: string): Promise<void> {
    await this.runtime.podman(['network', 'rm', '--force', FrameNetworks.nameFor(frameId)]).catch((err: Error) => {
      if (!/not found|no such network|unable to find/i.test(err.message)) throw err;
    });
  }

  /** The frames whose networks this home made (for cleaning up after a process that died). */
  async framesOfHome(): Promise<string[]> {
    return (await this.list())
      .filter((n) => n.labels?.[HOME_LABEL] === this.homeId)
      .map((n) => n.labels?.[NETWORK_LABEL] ?? '')
      .filter(Boolean);
  }

  private async list(): Promise<PodmanNetwork[]> {
    return JSON.parse((await this.runtime.podman(['network', 'ls', '--format', 'json'])) || '[]') as PodmanNetwork[];
  }
}

function describe(n: PodmanNetwork): FrameNetwork {
  const s = n.subnets?.[0];
  if (!s)
    throw new Error(
      `network ${n.name} has no subnet; remove it (podman network rm ${n.name}) and start the frame again`,
    );
  return { name: n.name, subnet: s.subnet, gateway: s.gateway ?? s.subnet.replace(/\.0\/24$/, '.1') };
}

/** The first /24 of the pool that no network on this host uses. */
export function freeSubnet(pool: string, networks: ReadonlyArray<{ subnets?: Array<{ subnet: string }> }>): string {
  const prefix = pool.replace(/\.0\.0\/16$/, '');
  const used = new Set(networks.flatMap((n) => (n.subnets ?? []).map((s) => s.subnet)));
  for (let i = 1; i < 255; i++) {
    const subnet = `${prefix}.${i}.0/24`;
    if (!used.has(subnet)) return subnet;
  }
  throw new Error(
    `every /24 of frames.network.pool (${pool}) is in use; destroy frames you no longer need, or set a larger pool`,
  );
}
