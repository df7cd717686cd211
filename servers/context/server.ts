import type { McpModule } from '../shared/mcp-module.js';
import type { ContextService } from './context-service.js';
import { contextTools } from './tools.js';

/** A frame's knowledge graph as an MCP module; see servers/registry.ts for how modules are served. */
export const contextModule: McpModule<{ context: ContextService }, ContextService> = {
  name: 'context',
  title: 'Optagon context',
  instructions:
    "Each frame keeps a temporal knowledge graph of what happened in it: context_add_episode to remember, context_search for facts (current, or as of a time), context_status to see the queue.",
  services: (all) => all.context,
  tools: contextTools,
};
