import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface EchoServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  close(): Promise<void>;
}

/** A McpServer with the one tool `echo`, the least a tool call can cost. */
function echoMcpServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its message', inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  return server;
}

const jsonRpcError = (res: ServerResponse, status: number, message: string) =>
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/**
 * The peer of the daemon's MCP endpoint: the SDK's minimal stateful Streamable HTTP server, as in
 * its simpleStreamableHttp example (a transport per session, sessions looked up by the
 * mcp-session-id header), on plain node:http instead of express, on 127.0.0.1 and a free port.
 * It runs in the calling process; `spawnEchoServer` runs it in a process of its own.
 */
export async function startEchoServer(): Promise<EchoServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return jsonRpcError(res, 404, 'not found');
    const sessionId = req.headers['mcp-session-id'] as string | undefined;
    const body = req.method === 'POST' ? await readJson(req) : undefined; // what express.json() does in the example
    const existing = sessionId ? transports.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res, body);
    if (sessionId) return jsonRpcError(res, 404, 'Session not found');
    if (req.method !== 'POST' || !isInitializeRequest(body))
      return jsonRpcError(res, 400, 'Bad Request: No valid session ID provided');

    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void transports.set(sid, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await echoMcpServer().connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) jsonRpcError(res, 500, `internal error: ${err.message}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})));
      http.closeAllConnections(); // the clients' GET event streams would hold close() open
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * The echo server in a Node process of its own, as the daemon is: the client's and the server's
 * work then overlap the same way on both sides of a comparison (in one process they would share
 * one event loop and neither would wait on the other's wake-up).
 */
export async function spawnEchoServer(): Promise<EchoServer> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the echo server exited ${code} before it listened`)));
  });
  lines.close();
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startEchoServer();
  process.stdout.write(server.url + '\n');
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
