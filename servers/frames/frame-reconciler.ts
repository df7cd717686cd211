import type { GlobalConfig } from '../shared/global-config.js';
import type { ContainerRuntime, ContainerState } from './container-runtime.js';
import { isUp, observedStatus } from './observed-status.js';
import type { FrameRecord, FrameStatus, StateStore } from './state-store.js';

export interface ReconcilerDeps {
  store: StateStore;
  runtime: ContainerRuntime;
  config: GlobalConfig;
  /** This home's label on its containers: only those are ever removed. */
  homeId: string;
  /** Whether this process is starting, stopping or destroying the frame (then its status is not judged). */
  busy(frameId: string): boolean;
  /** Records a new status with its event (FrameManager's, so listeners hear of it). */
  transition(
    frame: FrameRecord,
    status: FrameStatus,
    patch?: Partial<FrameRecord>,
    details?: Record<string, unknown>,
  ): FrameRecord;
}

/** What the database says about frames, made to agree with what podman says about their containers. */
export class FrameReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * After this home's owner process died (kill -9 of the daemon, a crashed CLI), makes the state
   * whole again: a container created but not yet recorded is adopted, a container whose frame is
   * gone is removed, and a start that was cut short is finished by reconciliation (running if the
   * container came up, else error). Run once when the daemon starts, before serving.
   */
  async recover(): Promise<{ adopted: string[]; removed: string[]; interrupted: string[] }> {
    const containers = await this.deps.runtime.list();
    const frames = this.deps.store.listFrames();
    const known = new Set(frames.map((f) => f.id));
    const result = { adopted: [] as string[], removed: [] as string[], interrupted: [] as string[] };
    for (const frame of frames) {
      const c = containers.find((x) => x.frameId === frame.id);
      if (c && frame.containerId !== c.id) {
        this.deps.store.updateFrame(frame.id, { containerId: c.id });
        result.adopted.push(frame.name);
      }
      if (frame.status === 'starting' && !this.deps.busy(frame.id)) {
        this.deps.transition(
          frame,
          'error',
          {},
          { reason: 'start_interrupted', message: 'the start was interrupted; frame_start tries again' },
        );
        result.interrupted.push(frame.name);
      }
    }
    for (const c of containers) {
      if (c.homeId === this.deps.homeId && !known.has(c.frameId)) {
        await this.deps.runtime.remove(c.id);
        result.removed.push(c.name);
      }
    }
    await this.reconcile(this.deps.store.listFrames());
    return result;
  }

  /**
   * Brings stored status in line with what podman says, in one `podman ps` for any number of frames,
   * so no caller ever sees a stale `running`. A frame mid-start is left alone, unless the start has
   * outlived its timeout (the process doing it died): then it is an error that frame_start retries.
   */
  async reconcile(frames: FrameRecord[]): Promise<FrameRecord[]> {
    const startLimitMs = (this.deps.config.frames.start_timeout_seconds + 30) * 1000;
    frames = frames.map((f) =>
      f.status === 'starting' && !this.deps.busy(f.id) && Date.now() - f.updatedAt > startLimitMs
        ? this.deps.transition(
            f,
            'error',
            {},
            { reason: 'start_interrupted', message: 'the start was interrupted; frame_start tries again' },
          )
        : f,
    );
    if (!frames.some((f) => f.containerId)) return frames;
    const containers = new Map<string, ContainerState>();
    for (const c of await this.deps.runtime.list()) containers.set(c.frameId, c);
    return frames.map((frame) => {
      if (!frame.containerId || frame.status === 'starting' || this.deps.busy(frame.id)) return frame;
      const c = containers.get(frame.id);
      if (!c) {
        // The container was removed behind our back; the next start creates a new one.
        if (frame.status === 'running' || frame.status === 'paused') {
          return this.deps.transition(
            frame,
            'error',
            { containerId: null },
            { reason: 'container_missing', message: 'the container disappeared; frame_start recreates it' },
          );
        }
        return this.deps.store.updateFrame(frame.id, { containerId: null });
      }
      const observed = observedStatus(c);
      // Only a disagreement about whether the frame is up matters; stopped vs error is ours to say.
      if (observed === null || observed === frame.status || (!isUp(observed) && !isUp(frame.status))) return frame;
      const message = isUp(observed)
        ? `the container is ${c.state} (changed outside Optagon)`
        : `the container exited with code ${c.exitCode}${c.exitCode === 137 ? ' (killed)' : ''} outside Optagon; frame_start starts it again`;
      return this.deps.transition(
        frame,
        observed,
        {},
        { reason: 'reconciled', containerState: c.state, exitCode: c.exitCode, message },
      );
    });
  }
}
