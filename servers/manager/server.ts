import type { McpModule } from '../shared/mcp-module.js';
import type { TaskService } from './task-service.js';
import { managerTools } from './tools.js';

/** The manager agent as an MCP module; see servers/registry.ts for how modules are served. */
export const managerModule: McpModule<{ manager: TaskService }, TaskService> = {
  name: 'manager',
  title: 'Optagon manager',
  instructions:
    'Give a frame a task (task_assign): the manager agent plans it, runs Claude Code agents, reviews their work and remembers it. ' +
    'task_status shows progress, task_list the tasks, task_cancel stops one.',
  services: (all) => all.manager,
  tools: managerTools,
};
