import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpServer, type OptagonServices } from '../registry.js';
import type { Principal } from '../../web/auth/permissions.js';
import { frameLookup, toolAccess } from '../../web/auth/tool-access.js';

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  scope: string;
  /** Who opened it: only they may use it. */
  subject: string;
  lastSeen: number;
}

const IDLE_MS = 60 * 60_000;

const jsonRpcError = (status: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status });

/**
 * Stateful Streamable HTTP sessions as in the SDK's example: each session gets a fresh McpServer
 * over the shared services (all servers, or one for `/mcp/<name>`); sessions end on DELETE, on
 * transport close, or after an hour without requests.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly services: OptagonServices,
    private readonly maxBodyBytes: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** `body` is the request's body text, already read (and size-checked) by the app. */
  async handle(req: Request, scope: string, body: string, principal: Principal): Promise<Response> {
    let parsedBody: unknown;
    if (req.method === 'POST') {
      try {
        parsedBody = JSON.parse(body);
      } catch (err) {
        return Response.json(
          {
            jsonrpc: '2.0',
            error: { code: -32700, message: `Parse error: the body is not JSON (${(err as Error).message})` },
            id: null,
          },
          { status: 400 },
        );
      }
    }
    const id = req.headers.get('mcp-session-id');
    if (id) {
      const session = this.sessions.get(id);
      if (!session) return jsonRpcError(404, 'unknown or expired MCP session; start a new one with initialize');
      if (session.scope !== scope)
        return jsonRpcError(400, `session ${id} belongs to /mcp${session.scope === 'all' ? '' : '/' + session.scope}`);
      if (session.subject !== principal.subject)
        return jsonRpcError(403, `session ${id} belongs to another identity; start your own with initialize`);
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, { parsedBody });
    }
    if (req.method !== 'POST') return jsonRpcError(400, 'no MCP session: send initialize in a POST first');

    // The daemon's own user calls everything; a remote session is checked per call by the same rule as
    // the REST mirror (web/auth/tool-access.ts), on the arguments the SDK parsed.
    const full = principal.subject === 'local';
    const server = createMcpServer(
      this.services,
      scope,
      full ? undefined : toolAccess(principal, frameLookup(this.services.frames)),
    );
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: this.maxBodyBytes,
      onsessioninitialized: (sid) => {
        this.sessions.set(sid, { transport, server, scope, subject: principal.subject, lastSeen: Date.now() });
      },
      onsessionclosed: (sid) => void this.close(sid),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    const res = await transport.handleRequest(req, { parsedBody });
    if (!transport.sessionId) await server.close(); // not an initialize: nothing to keep
    return res;
  }

  private async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    await session?.server.close().catch(() => {});
  }

  private sweep(): void {
    const cutoff = Date.now() - IDLE_MS;
    for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) void this.close(id);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}
