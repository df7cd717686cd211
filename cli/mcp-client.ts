import { callTool, type ToolCaller } from '../servers/shared/tool-caller.js';

export { callTool, ToolError, type ToolCaller } from '../servers/shared/tool-caller.js';

/**
 * Runs the MCP servers inside this process over the SDK's in-memory transport and connects a real
 * MCP client to them, so the CLI is a thin client even with no daemon running.
 */
export async function connectEmbedded(): Promise<ToolCaller> {
  const [{ Client }, { InMemoryTransport }, { createServices, createMcpServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/inMemory.js'),
    import('../servers/registry.js'),
  ]);
  const services = createServices();
  const server = createMcpServer(services);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'optagon-cli', version: '0.1.0' });
  await client.connect(clientSide);
  let closed = false;
  return {
    call: (name, args, onProgress) => callTool(client, name, args ?? {}, onProgress),
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await server.close();
      await services.close();
    },
  };
}
