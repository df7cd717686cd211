import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, expect } from 'vitest';
import { createServices, type OptagonServices } from '../registry.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { createDaemonApp } from './app.js';
import type { McpSessions } from './mcp-sessions.js';

// In-process: every request goes through app.request(...), no port. A Request built from a URL has
// no Host header (only a real socket adds one), so each request sets Host as a client would.
export const HOST = '127.0.0.1:8443';
export const BASE = `http://${HOST}`;
export const TOKEN = randomBytes(32).toString('base64url');
export const LIMIT = 2048;

export let home: string;
export let workspace: string;
export let services: OptagonServices;
export let app: ReturnType<typeof createDaemonApp>['app'];
export let sessions: McpSessions;
const clients: Client[] = [];

/**
 * The daemon's Hono app over a fresh home for each test (in-process: no port), and the helpers its
 * tests share. A test file calls useDaemonApp() once; the exported bindings follow each test's app.
 */
export function useDaemonApp(): void {
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'optagon-home-'));
    workspace = mkdtempSync(join(tmpdir(), 'optagon-ws-'));
    writeFileSync(join(home, 'config.yaml'), `frames:\n  workspace_roots: [${workspace}]\n`);
    services = createServices(new OptagonHome(home));
    ({ app, sessions } = createDaemonApp({
      services,
      token: TOKEN,
      allowedHosts: ['optagon.lan'],
      allowedOrigins: ['https://ui.example'],
      bodyLimitBytes: LIMIT,
    }));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
    await sessions.closeAll();
    services.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  });
}

export interface Send {
  method?: string;
  body?: string;
  /** Merged over Host and Authorization; undefined drops a header. */
  headers?: Record<string, string | undefined>;
}

export function send(path: string, o: Send = {}): Promise<Response> {
  const merged: Record<string, string | undefined> = { host: HOST, authorization: `Bearer ${TOKEN}`, ...o.headers };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) headers[k] = v;
  return Promise.resolve(app.request(`${BASE}${path}`, { method: o.method ?? 'POST', headers, body: o.body }));
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
export const initialize = (id = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'app-test', version: '0' } },
  });
export const rpc = (method: string, id: number, params: object = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** The JSON-RPC messages of a response, whether it came as JSON or as an SSE stream. */
export async function rpcMessages(res: Response): Promise<any[]> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
  }
  return [JSON.parse(text)];
}

/** Starts a session with a raw initialize and the initialized notification; returns its id. */
export async function openSession(path = '/mcp'): Promise<string> {
  const res = await send(path, { headers: MCP_HEADERS, body: initialize() });
  expect(res.status).toBe(200);
  const id = res.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  await res.text();
  const note = await send(path, {
    headers: { ...MCP_HEADERS, 'mcp-session-id': id! },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(note.status).toBe(202);
  return id!;
}

export async function connectClient(path: string, token = TOKEN): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}${path}`), {
    fetch: (url, init) => Promise.resolve(app.request(url as string, init)),
    requestInit: { headers: { Authorization: `Bearer ${token}`, Host: HOST } },
  });
  const client = new Client({ name: 'app-test', version: '0' });
  clients.push(client);
  await client.connect(transport);
  return client;
}

export async function restCall(tool: string, args: unknown): Promise<Response> {
  return send(`/api/tools/${tool}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
}

/** Each guarded endpoint with a request that succeeds when the guard lets it through. */
export const targets = [
  { label: 'POST /mcp', path: '/mcp', method: 'POST', headers: MCP_HEADERS, body: () => initialize() },
  { label: 'POST /mcp/frames', path: '/mcp/frames', method: 'POST', headers: MCP_HEADERS, body: () => initialize() },
  {
    label: 'POST /api/tools/frame_list',
    path: '/api/tools/frame_list',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: () => '{}',
  },
  { label: 'GET /api/tools', path: '/api/tools', method: 'GET', headers: {}, body: () => undefined },
] as const;
