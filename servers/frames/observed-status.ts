import type { ContainerState } from './container-runtime.js';
import type { FrameStatus } from './state-store.js';

export const isUp = (s: FrameStatus) => s === 'running' || s === 'paused';

/**
 * The frame status a container's podman state implies. Exit 143 is our own SIGTERM (`podman stop`),
 * so it is a clean stop; any other non-zero exit (137 from `podman kill`, a crash) is an error.
 */
export function observedStatus(c: ContainerState): FrameStatus | null {
  switch (c.state) {
    case 'running':
      return 'running';
    case 'paused':
      return 'paused';
    case 'exited':
    case 'stopped':
      return c.exitCode === 0 || c.exitCode === 143 ? 'stopped' : 'error';
    case 'created':
    case 'configured':
      return 'stopped';
    default:
      return null;
  }
}
