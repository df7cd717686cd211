import type { McpModule } from '../shared/mcp-module.js';
import type { GuakeRemote } from './guake-remote.js';
import { guakeTools } from './tools.js';

/** The user's Guake terminal as an MCP module; see servers/registry.ts for how modules are served. */
export const guakeModule: McpModule<{ guake: GuakeRemote }, GuakeRemote> = {
  name: 'guake',
  title: 'Optagon Guake',
  instructions:
    "The user's drop-down terminal: guake_open_frame shows a frame's tab (attached to its tmux session), guake_request_attention notifies the user " +
    'and opens the tab when an agent needs them, guake_list_tabs lists the tabs.',
  services: (all) => all.guake,
  tools: guakeTools,
};
