import type { McpModule } from '../shared/mcp-module.js';
import type { ContextService } from './context-service.js';
import { contextTools } from './tools.js';

/** A frame's knowledge graph as an MCP module; see servers/registry.ts for how modules are served. */
export const contextModule: McpModule<{ context: ContextService }, ContextService> = {
  name: 'context',
  title: 'Optagon context',
  instructions:
    'Each frame keeps a temporal knowledge graph of what happened in it. Before a task, context_curate gives what an agent should know; ' +
    'context_search finds facts (current by default, or as of a time), context_search_nodes entities; context_add_episode remembers ' +
    '(sessions, decisions, errors), context_ingest_git the commits; context_status shows the queue.',
  services: (all) => all.context,
  tools: contextTools,
};
