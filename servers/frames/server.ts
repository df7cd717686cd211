import type { McpModule } from '../shared/mcp-module.js';
import type { FramesServices } from './services.js';
import { installFrameResources } from './resources.js';
import { frameTools } from './tools.js';

/** The frames capability as an MCP module; see servers/registry.ts for how modules are served. */
export const framesModule: McpModule<{ frames: FramesServices }, FramesServices> = {
  name: 'frames',
  title: 'Optagon frames',
  instructions:
    'Manage Optagon frames: isolated Podman dev environments with a shared tmux session. Start with frame_list.',
  services: (all) => all.frames,
  tools: frameTools,
  install: installFrameResources,
};
