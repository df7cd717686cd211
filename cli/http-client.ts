import { requestJson, type JsonResponse } from './http-json.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { watchResource } from '../servers/shared/tool-caller.js';
import { callTool, ToolError, type OptagonTools } from './mcp-client.js';
import { PinMismatchError, pinnedFetch, type PinnedTls } from './pinned-tls.js';

/**
 * Talks to a running daemon. Plain calls go through the REST mirror with one request each, so a quick
 * command loads no MCP SDK at all (start-up is most of its time); calls that report progress use MCP
 * over Streamable HTTP, loaded only then. Both answer the same structuredContent.
 */
export function connectDaemon(baseUrl: string, token: string, tls?: PinnedTls): OptagonTools {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // Subscriptions need a session that stays open; made on the first watch, closed with the caller.
  let session: Promise<Client> | undefined;
  return {
    async watch(uri, onUpdated) {
      session ??= openSession(baseUrl, headers, tls);
      await watchResource(await session, uri, onUpdated);
    },
    async call(name, args = {}, onProgress) {
      if (onProgress) return callOverMcp(baseUrl, headers, name, args, onProgress, tls);
      let res: JsonResponse;
      try {
        res = await requestJson(`${baseUrl}/api/tools/${encodeURIComponent(name)}`, {
          token,
          body: args,
          ...(tls ? { tls } : {}),
        });
      } catch (err) {
        if (err instanceof PinMismatchError) throw err;
        throw new Error(
          `the daemon at ${baseUrl} does not answer (${(err as Error).message}); check \`optagon daemon status\`, or add --embedded`,
        );
      }
      if (res.status !== 200) throw new ToolError(String(res.body.error ?? `HTTP ${res.status}`));
      return res.body as never;
    },
    async close() {
      if (session) await (await session).close();
    },
  };
}

async function callOverMcp(
  baseUrl: string,
  headers: Record<string, string>,
  name: string,
  args: Record<string, unknown>,
  onProgress: (message: string, progress: number, total?: number) => void,
  tls?: PinnedTls,
): Promise<never> {
  const client = await openSession(baseUrl, headers, tls);
  try {
    return await callTool<never>(client, name, args, onProgress);
  } finally {
    await client.close();
  }
}

/** An MCP session with the daemon over Streamable HTTP; the SDK is loaded only now. */
async function openSession(baseUrl: string, headers: Record<string, string>, tls?: PinnedTls): Promise<Client> {
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'optagon-cli', version: '0.1.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: { headers },
      ...(tls ? { fetch: pinnedFetch(tls) } : {}),
    }),
  );
  return client;
}
