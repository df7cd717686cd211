import type { McpModule } from '../shared/mcp-module.js';
import type { FrameTmux } from './frame-tmux.js';
import { tmuxTools } from './tools.js';

/** tmux control of frames as an MCP module; see servers/registry.ts for how modules are served. */
export const tmuxModule: McpModule<{ tmux: FrameTmux }, FrameTmux> = {
  name: 'tmux',
  title: 'Optagon tmux',
  instructions:
    'Drive the tmux session inside a running frame: list and open windows, type text (literally) or press named keys, read the screen, wait for output. Start with tmux_list_windows.',
  services: (all) => all.tmux,
  tools: tmuxTools,
};
