import type { GlobalConfig } from '../shared/global-config.js';
import { OptagonHome } from '../shared/optagon-home.js';
import { openSharedState, type SharedState } from '../shared/shared-state.js';
import { ContainerRuntime } from './container-runtime.js';
import { runDoctor } from './doctor.js';
import { FrameManager } from './frame-manager.js';
import { ImageBuilder } from './image-builder.js';
import { RuntimeSettingsResolver } from './runtime-settings.js';
import { StateStore } from './state-store.js';

/** The domain services behind the frames MCP server, shared by every MCP session of one process. */
export interface FramesServices {
  home: OptagonHome;
  config: GlobalConfig;
  store: StateStore;
  frames: FrameManager;
  images: ImageBuilder;
  doctor(): ReturnType<typeof runDoctor>;
  close(): void;
}

/**
 * The frames services over a process's shared state; given only a home, they open that home's
 * state themselves and close it with theirs (a tool or test that needs frames alone).
 */
export function createFramesServices(from: SharedState | OptagonHome = new OptagonHome()): FramesServices {
  const owned = from instanceof OptagonHome;
  const state = owned ? openSharedState(from) : from;
  const { home, config } = state;
  const store = new StateStore(state.db);
  // config.podman is shared: when the resolver probes, the runtime sees the new flags at once.
  const runtime = new ContainerRuntime(config.podman);
  const settings = new RuntimeSettingsResolver(home.configFile, config);
  const images = new ImageBuilder(config, runtime, settings);
  const frames = new FrameManager({ home, store, config, runtime, settings });
  return {
    home,
    config,
    store,
    frames,
    images,
    doctor: () => runDoctor({ config, configFile: home.configFile, store, runtime, settings, images }),
    close: () => {
      frames.close();
      if (owned) state.close();
    },
  };
}
