import type { ToolCaller } from '../servers/shared/tool-caller.js';

export { callTool, ToolError, type ToolCaller } from '../servers/shared/tool-caller.js';

/**
 * Runs the MCP servers inside this process over the SDK's in-memory transport and connects a real
 * MCP client to them (as the manager agent does), so the CLI is a thin client even with no daemon.
 */
export async function connectEmbedded(): Promise<ToolCaller> {
  const [{ createServices, createMcpServer }, { connectInProcess }] = await Promise.all([
    import('../servers/registry.js'),
    import('../host/manager/optagon-client.js'),
  ]);
  const services = createServices();
  const client = await connectInProcess(createMcpServer(services), 'optagon-cli');
  let closed = false;
  return {
    call: client.call,
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await services.close();
    },
  };
}
