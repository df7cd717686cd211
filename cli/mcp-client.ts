import type { OptagonTools } from '../host/tool-results.js';

export { callTool, ToolError } from '../servers/shared/tool-caller.js';
export type { OptagonTools } from '../host/tool-results.js';

/**
 * Runs the MCP servers inside this process over the SDK's in-memory transport and connects a real
 * MCP client to them (as the manager agent does), so the CLI is a thin client even with no daemon.
 */
export async function connectEmbedded(): Promise<OptagonTools> {
  const [{ createServices, createMcpServer }, { connectInProcess }] = await Promise.all([
    import('../host/registry.js'),
    import('../servers/manager/optagon-client.js'),
  ]);
  const services = createServices();
  const client = await connectInProcess(createMcpServer(services), 'optagon-cli');
  let closed = false;
  return {
    // The servers' answers are their tools' output types (OptagonResults).
    call: client.call as OptagonTools['call'],
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await services.close();
    },
  };
}
