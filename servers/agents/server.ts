import type { McpModule } from '../shared/mcp-module.js';
import type { AgentManager } from './agent-manager.js';
import { agentTools } from './tools.js';

/** Coding agents in frames as an MCP module; see servers/registry.ts for how modules are served. */
export const agentsModule: McpModule<{ agents: AgentManager }, AgentManager> = {
  name: 'agents',
  title: 'Optagon agents',
  instructions:
    'Run coding agents (Claude Code, OpenCode) inside frames: agent_spawn with a task, agent_wait until idle, agent_read the reply, agent_send to continue, agent_approve permission prompts.',
  services: (all) => all.agents,
  tools: agentTools,
};
