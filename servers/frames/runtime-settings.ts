import type { GlobalConfig } from '../shared/global-config.js';
import { updateGlobalConfig } from '../shared/global-config.js';
import { probeRuntime, type ProbeResult } from './runtime-probe.js';

/**
 * Makes sure podman's runtime and ulimits are known before a container or build runs: when
 * config.yaml has none yet (a new machine), probes once and writes what works there, so the first
 * `frame start` works without a manual `optagon doctor`.
 */
export class RuntimeSettingsResolver {
  constructor(
    private readonly configFile: string,
    private readonly config: GlobalConfig,
  ) {}

  get known(): boolean {
    return Boolean(this.config.podman.runtime && this.config.podman.ulimits);
  }

  async ensure(image: string): Promise<void> {
    if (!this.known) await this.probe(image);
  }

  /** Probes with `image` and saves the result; `config.podman` is shared with the runtime, so it applies at once. */
  async probe(image: string): Promise<ProbeResult> {
    const result = await probeRuntime(this.config.podman.binary, image);
    this.config.podman.runtime = result.runtime;
    this.config.podman.ulimits = result.ulimits;
    updateGlobalConfig(this.configFile, [
      [['podman', 'runtime'], result.runtime],
      [['podman', 'ulimits'], result.ulimits],
    ]);
    return result;
  }
}
