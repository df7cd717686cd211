import { existsSync, readFileSync } from 'node:fs';
import type { ContainerRuntime } from './container-runtime.js';
import type { FrameRecord, StateStore } from './state-store.js';

/**
 * Tells when the kernel killed a process of a frame for its memory limit. Podman says nothing of it
 * (the frame runs on; only a killed init would show), so the frame's memory cgroup is read: its
 * `oom_kill` count (memory.oom_control on cgroup v1, memory.events on v2). Each rise is an `oom_kill`
 * event naming the limit. The count starts again with each start of the container (a new cgroup).
 */
export class OomWatch {
  /** Container id → its memory cgroup's counter file (null: none found). */
  private readonly files = new Map<string, string | null>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly store: StateStore,
  ) {}

  /** At a start: the container's cgroup is new, and so is its count. */
  started(frame: FrameRecord): void {
    if (frame.containerId) this.files.delete(frame.containerId);
    this.store.setRuntimeState(frame.id, { oomKills: 0 });
  }

  async check(frame: FrameRecord): Promise<void> {
    if (frame.status !== 'running' || !frame.containerId) return;
    const { containerSpec, oomKills } = this.store.runtimeState(frame.id);
    const memory = containerSpec
      ? (JSON.parse(containerSpec) as { resources?: { memory?: string } }).resources?.memory
      : undefined;
    if (!memory) return;
    const count = this.count(await this.file(frame.containerId));
    if (count === undefined || count <= oomKills) return;
    this.store.immediate(() => {
      if (this.store.runtimeState(frame.id).oomKills >= count) return; // another process told it
      this.store.setRuntimeState(frame.id, { oomKills: count });
      this.store.addEvent(frame.id, 'oom_kill', {
        killed: count - oomKills,
        memory,
        why: `a process in the frame needed more than its memory limit (resources.memory: ${memory}), so the kernel killed it; the frame runs on. Raise resources.memory or use less`,
      });
    });
  }

  private async file(containerId: string): Promise<string | null> {
    if (!this.files.has(containerId)) {
      const path = (
        await this.runtime
          .podman(['container', 'inspect', '--format', '{{.State.CgroupPath}}', containerId])
          .catch(() => '')
      ).trim();
      // cgroup v1's memory controller, else v2's unified tree.
      const candidates = path
        ? [`/sys/fs/cgroup/memory${path}/memory.oom_control`, `/sys/fs/cgroup${path}/memory.events`]
        : [];
      this.files.set(containerId, candidates.find((f) => existsSync(f)) ?? null);
    }
    return this.files.get(containerId)!;
  }

  private count(file: string | null): number | undefined {
    if (!file) return undefined;
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined; // the container stopped meanwhile
    }
  }
}
