import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { BenchHome } from './bench-home.js';
import { spawnEchoServer } from './echo-server.js';
import { stats } from './measure.js';
import type { Figure } from './report.js';

/** Our goal: the daemon answers at least 0.8× as many tool calls per second as the SDK's own minimal server. */
const RATE_GOAL = 0.8;
/** Each target is measured in windows this long, ours and the peer's alternating, so load drift hits both. */
const WINDOW_MS = 500;
const WINDOWS = 6; // 3 s of calls per target and concurrency
const WARM_UP_MS = 2000; // a fresh daemon is still getting faster after the first thousand calls

interface Target {
  client: Client;
  transport: StreamableHTTPClientTransport;
  tool: string;
  args: Record<string, unknown>;
}

/**
 * Node's fetch. The SDK client hands every request of a session the same AbortSignal, and fetch
 * keeps a listener on it per request until garbage collection, warning once there are 1500 (a few
 * thousand calls here). Lifting the limit on that signal keeps the warning out of the report;
 * requests and signal stay the SDK's own.
 */
const fetchQuietly = (url: string | URL, init?: RequestInit): Promise<Response> => {
  if (init?.signal) setMaxListeners(0, init.signal);
  return fetch(url, init);
};

/** A real SDK client over Streamable HTTP, as an MCP host connects (one session, the bearer token on every request). */
async function connect(url: string, token: string, tool: string, args: Record<string, unknown>): Promise<Target> {
  const client = new Client({ name: 'optagon-bench', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: fetchQuietly,
  });
  await client.connect(transport);
  return { client, transport, tool, args };
}

async function disconnect(t: Target): Promise<void> {
  await t.transport.terminateSession().catch(() => {});
  await t.client.close().catch(() => {});
}

/** Calls per second of `t.tool` for `ms`, with `inFlight` calls outstanding at any time (each worker waits for its answer). */
async function rate(t: Target, ms: number, inFlight: number): Promise<number> {
  let calls = 0;
  const started = performance.now();
  const deadline = started + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const r = await t.client.callTool({ name: t.tool, arguments: t.args });
      if (r.isError) throw new Error(`${t.tool} failed: ${JSON.stringify(r.content)}`);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return calls / ((performance.now() - started) / 1000);
}

/**
 * MCP `tools/call` over HTTP: `frame_list` on the daemon of `home` (which must be running; it
 * follows podman events, so the call reads SQLite and never runs podman) against the `echo` tool
 * of the SDK's minimal Streamable HTTP server, in a Node process of its own as the daemon is. The
 * same SDK client loop drives both: calls one after another, then `concurrency` in flight. Only
 * the sequential figure has a goal.
 */
export async function benchMcpRate(home: BenchHome, concurrency = 8): Promise<Figure[]> {
  const daemon = home.daemon();
  const echo = await spawnEchoServer();
  const targets: Target[] = [];
  try {
    const ours = await connect(`${daemon.url}/mcp`, daemon.token, 'frame_list', {});
    targets.push(ours);
    const peer = await connect(echo.url, daemon.token, 'echo', { message: 'ping' });
    targets.push(peer);
    const figures: Figure[] = [];
    for (const inFlight of [1, concurrency]) {
      await rate(ours, WARM_UP_MS, inFlight);
      await rate(peer, WARM_UP_MS, inFlight);
      const oursRates: number[] = [];
      const peerRates: number[] = [];
      for (let i = 0; i < WINDOWS; i++) {
        oursRates.push(await rate(ours, WINDOW_MS, inFlight));
        peerRates.push(await rate(peer, WINDOW_MS, inFlight));
      }
      figures.push({
        name: `MCP tools/call frame_list, ${inFlight === 1 ? 'sequential' : `${inFlight} in flight`}`,
        ours: stats(oursRates),
        peer: stats(peerRates),
        peerName: 'SDK echo server, own process',
        kind: 'rate',
        ...(inFlight === 1 ? { goal: RATE_GOAL } : {}),
      });
    }
    return figures;
  } finally {
    for (const t of targets) await disconnect(t);
    await echo.close();
  }
}
