import { runCommand } from '../shared/run-command.js';

const FORWARD_CHAIN = 'OPTAGON-FORWARD';
const INPUT_CHAIN = 'OPTAGON-INPUT';

/**
 * The host's side of frame isolation (iptables, so only when Optagon runs as root; rootless frames
 * sit behind slirp4netns instead). Every frame network is a /24 of `pool`:
 *
 * - FORWARD: a packet from one frame network to another is refused, whether it went to the other
 *   frame's address or to its published port (DNAT makes that the same packet).
 * - INPUT: a packet from a frame to the host itself (its bridge address, any of its addresses) is
 *   refused unless it answers a connection the host made, is DNS, or goes to a port that frame may
 *   reach (its chain `OPTAGON-<frame>`: the model endpoints its configuration names).
 *
 * - FORWARD, for a frame whose network is none or an allowlist: anything else it sends out is refused
 *   (chain `OPTAGON-E-<frame>`); an allowlist's hosts are reached through Optagon's proxy on the host.
 *
 * Nothing else is touched: a frame with network full reaches the internet as podman set it up.
 */
export class FrameFirewall {
  /** What this process last put in place, so a start does not pay a dozen iptables calls again. */
  private readonly applied = new Map<string, string>();

  constructor(private readonly binary = 'iptables') {}

  /**
   * Lets the frame reach exactly these host TCP ports (and keeps the shared rules in place); with
   * `egress: false`, nothing beyond the host either (network none, or allowlist: the host's proxy
   * is then one of `ports`).
   */
  async apply(pool: string, frameKey: string, subnet: string, ports: readonly number[], egress = true): Promise<void> {
    const chain = frameChain(frameKey);
    const wanted = JSON.stringify([pool, subnet, [...new Set(ports)].sort((a, b) => a - b), egress]);
    // Rules are cheap to check but each check is a process: skip when ours are still in place.
    if (this.applied.get(frameKey) === wanted && (await this.has(INPUT_CHAIN, ['-s', subnet, '-j', chain]))) return;
    await this.ensureShared(pool);
    await this.ipt(['-N', chain], { exists: true });
    await this.ipt(['-F', chain]);
    for (const port of [...new Set(ports)].sort((a, b) => a - b))
      await this.ipt(['-A', chain, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT']);
    // A frame destroyed without us (a killed process) may have left a jump for this subnet to its chain.
    for (const stale of await this.jumpsFor(subnet))
      if (stale !== chain) await this.ipt(['-D', INPUT_CHAIN, '-s', subnet, '-j', stale]);
    const jump = ['-s', subnet, '-j', chain];
    if (!(await this.has(INPUT_CHAIN, jump))) await this.ipt(['-I', INPUT_CHAIN, '1', ...jump]);
    await this.applyEgress(frameKey, subnet, egress);
    this.applied.set(frameKey, wanted);
  }

  /**
   * A frame without egress: what it sends through the host to anywhere (FORWARD) is refused, but
   * for answers to connections made to it (its published ports).
   */
  private async applyEgress(frameKey: string, subnet: string, egress: boolean): Promise<void> {
    const chain = egressChain(frameKey);
    const jump = ['-s', subnet, '-j', chain];
    if (egress) {
      while (await this.has(FORWARD_CHAIN, jump)) await this.ipt(['-D', FORWARD_CHAIN, ...jump]);
      await this.ipt(['-F', chain], { missing: true });
      await this.ipt(['-X', chain], { missing: true });
      return;
    }
    await this.ipt(['-N', chain], { exists: true });
    await this.ipt(['-F', chain]);
    await this.ipt(['-A', chain, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']);
    await this.ipt(['-A', chain, '-j', 'REJECT']);
    if (!(await this.has(FORWARD_CHAIN, jump))) await this.ipt(['-I', FORWARD_CHAIN, '1', ...jump]);
  }

  /** Removes the frame's own rules (its network is going away). */
  async remove(frameKey: string, subnet: string): Promise<void> {
    await this.applyEgress(frameKey, subnet, true);
    this.applied.delete(frameKey);
    const chain = frameChain(frameKey);
    while (await this.has(INPUT_CHAIN, ['-s', subnet, '-j', chain]))
      await this.ipt(['-D', INPUT_CHAIN, '-s', subnet, '-j', chain]);
    await this.ipt(['-F', chain], { missing: true });
    await this.ipt(['-X', chain], { missing: true });
  }

  /**
   * The shared chains, checked rule by rule rather than trusted for having been made: a process
   * killed between making a chain and filling it must not leave frames unguarded. Allowing rules go
   * first, the refusal last. REJECT rather than DROP: a refused connection fails at once instead of
   * hanging a tool until its timeout.
   */
  private async ensureShared(pool: string): Promise<void> {
    await this.ensureChain(FORWARD_CHAIN, [], ['-s', pool, '-d', pool, '-j', 'REJECT']);
    const allow = [
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ['-p', 'udp', '-m', 'udp', '--dport', '53', '-j', 'ACCEPT'],
      ['-p', 'tcp', '-m', 'tcp', '--dport', '53', '-j', 'ACCEPT'],
    ];
    await this.ensureChain(INPUT_CHAIN, allow, ['-j', 'REJECT']);
    if (!(await this.has('FORWARD', ['-j', FORWARD_CHAIN])))
      await this.ipt(['-I', 'FORWARD', '1', '-j', FORWARD_CHAIN]);
    if (!(await this.has('INPUT', ['-s', pool, '-j', INPUT_CHAIN])))
      await this.ipt(['-I', 'INPUT', '1', '-s', pool, '-j', INPUT_CHAIN]);
  }

  private async ensureChain(chain: string, allow: string[][], refuse: string[]): Promise<void> {
    await this.ipt(['-N', chain], { exists: true });
    for (const rule of allow) if (!(await this.has(chain, rule))) await this.ipt(['-I', chain, '1', ...rule]);
    if (!(await this.has(chain, refuse))) await this.ipt(['-A', chain, ...refuse]);
  }

  /** The chains OPTAGON-INPUT sends this subnet to. */
  private async jumpsFor(subnet: string): Promise<string[]> {
    const r = await runCommand(this.binary, ['-w', '-S', INPUT_CHAIN]);
    const jumps: string[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^-A OPTAGON-INPUT -s (\S+) -j (OPTAGON-[0-9a-f]{12})$/.exec(line.trim());
      if (m && m[1] === subnet) jumps.push(m[2]!);
    }
    return jumps;
  }

  private async has(chain: string, rule: string[]): Promise<boolean> {
    const r = await runCommand(this.binary, ['-w', '-C', chain, ...rule]);
    if (r.code === 'ENOENT') throw missingIptables(this.binary);
    return r.exitCode === 0;
  }

  /** Runs iptables; true when it did what was asked, false for "already exists"/"no such" when those are fine. */
  private async ipt(args: string[], ok: { exists?: boolean; missing?: boolean } = {}): Promise<boolean> {
    const r = await runCommand(this.binary, ['-w', ...args]);
    if (r.code === 'ENOENT') throw missingIptables(this.binary);
    if (r.exitCode === 0) return true;
    if (ok.exists && /already exists/i.test(r.stderr)) return false;
    if (ok.missing && /No chain|does not exist|not found/i.test(r.stderr)) return false;
    throw new Error(
      `iptables ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}; frames are not started without their isolation (frames.network.isolate in config.yaml)`,
    );
  }
}

/** A chain name (at most 28 characters) for one frame. */
const frameChain = (frameKey: string) => `OPTAGON-${frameKey}`;
/** The chain that keeps a frame without egress in. */
const egressChain = (frameKey: string) => `OPTAGON-E-${frameKey}`;

const missingIptables = (binary: string) =>
  new Error(
    `${binary} is not installed; it keeps frames off each other and off the host's services: sudo apt-get install iptables (or set frames.network.isolate: false in config.yaml to run frames without it)`,
  );
