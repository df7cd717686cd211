import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AnyTool } from './define-tool.js';

/**
 * One capability's MCP server: its tools (and resources) over its own domain services `S`.
 * The registry serves every module together (`/mcp`, `optagon mcp all`) or one alone
 * (`/mcp/<name>`, `optagon mcp <name>`), and the REST mirror is generated from the same tools.
 */
export interface McpModule<All, S = unknown> {
  /** Path segment and CLI name: `frames` → `/mcp/frames`, `optagon mcp frames`. */
  name: string;
  title: string;
  instructions: string;
  /** Picks this module's services out of the shared set. */
  services(all: All): S;
  tools: readonly AnyTool<S>[];
  /** Registers what is not a tool (resources, subscriptions) on a fresh server. */
  install?(server: McpServer, services: S): void;
}
