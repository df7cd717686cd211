import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { agentTools } from '../agents/tools.js';
import type { contextTools } from '../context/tools.js';
import type { frameTools } from '../frames/tools.js';
import type { ToolResults } from '../shared/define-tool.js';
import { callTool, type ToolCaller } from '../shared/tool-caller.js';
import type { tmuxTools } from '../tmux/tools.js';
import type { ToolSpec } from '../shared/llm-provider.js';

/** The answers of the tools the manager calls, and lets its models call, by name. */
export type ManagerResults = ToolResults<
  (typeof frameTools | typeof tmuxTools | typeof agentTools | typeof contextTools)[number]
>;

/** The manager's MCP client of Optagon's servers: tool calls, and tool descriptions to hand an LLM. */
export interface OptagonClient extends ToolCaller<ManagerResults> {
  /** The tools as `tools/list` gives them, JSON Schemas as the SDK converts them. */
  tools(): Promise<Tool[]>;
  specs(names: readonly string[]): Promise<ToolSpec[]>;
}

/**
 * Connects a real MCP client to a fresh server over the SDK's in-memory transport: the manager is
 * an MCP host like any other, without a socket between it and the daemon it lives in.
 */
export async function connectInProcess(server: McpServer, name = 'optagon-manager'): Promise<OptagonClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name, version: '0.1.0' });
  await client.connect(clientSide);
  return {
    call: (name, args, onProgress) => callTool(client, name, args ?? {}, onProgress) as never,
    tools: async () => (await client.listTools()).tools,
    async specs(names) {
      const { tools } = await client.listTools();
      return tools
        .filter((t) => names.includes(t.name))
        .map((t) => ({
          name: t.name,
          description: t.description ?? t.title ?? t.name,
          inputSchema: t.inputSchema as Record<string, unknown>,
        }));
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}
