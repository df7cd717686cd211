import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServices, findTool, type OptagonServices } from '../registry.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { packageRoot } from '../../servers/shared/package-root.js';
import { createDaemonApp } from './app.js';
import type { McpSessions } from './mcp-sessions.js';

// In-process: every request goes through app.request(...), no port. A Request built from a URL has
// no Host header (only a real socket adds one), so each request sets Host as a client would.
const HOST = '127.0.0.1:8443';
const BASE = `http://${HOST}`;
const TOKEN = randomBytes(32).toString('base64url');
const LIMIT = 2048;

let home: string;
let workspace: string;
let services: OptagonServices;
let app: ReturnType<typeof createDaemonApp>['app'];
let sessions: McpSessions;
const clients: Client[] = [];

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

interface Send {
  method?: string;
  body?: string;
  /** Merged over Host and Authorization; undefined drops a header. */
  headers?: Record<string, string | undefined>;
}

function send(path: string, o: Send = {}): Promise<Response> {
  const merged: Record<string, string | undefined> = { host: HOST, authorization: `Bearer ${TOKEN}`, ...o.headers };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) headers[k] = v;
  return Promise.resolve(app.request(`${BASE}${path}`, { method: o.method ?? 'POST', headers, body: o.body }));
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = (id = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'app-test', version: '0' } },
  });
const rpc = (method: string, id: number, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** The JSON-RPC messages of a response, whether it came as JSON or as an SSE stream. */
async function rpcMessages(res: Response): Promise<any[]> {
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
async function openSession(path = '/mcp'): Promise<string> {
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

async function connectClient(path: string, token = TOKEN): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}${path}`), {
    fetch: (url, init) => Promise.resolve(app.request(url as string, init)),
    requestInit: { headers: { Authorization: `Bearer ${token}`, Host: HOST } },
  });
  const client = new Client({ name: 'app-test', version: '0' });
  clients.push(client);
  await client.connect(transport);
  return client;
}

async function restCall(tool: string, args: unknown): Promise<Response> {
  return send(`/api/tools/${tool}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
}

/** Each guarded endpoint with a request that succeeds when the guard lets it through. */
const targets = [
  { label: 'POST /mcp', path: '/mcp', method: 'POST', headers: MCP_HEADERS, body: () => initialize() },
  { label: 'POST /mcp/frames', path: '/mcp/frames', method: 'POST', headers: MCP_HEADERS, body: () => initialize() },
  { label: 'POST /api/tools/frame_list', path: '/api/tools/frame_list', method: 'POST', headers: { 'content-type': 'application/json' }, body: () => '{}' },
  { label: 'GET /api/tools', path: '/api/tools', method: 'GET', headers: {}, body: () => undefined },
] as const;

describe.each(targets)('security of $label', (t) => {
  const hit = (headers: Record<string, string | undefined>) =>
    send(t.path, { method: t.method, body: t.body(), headers: { ...t.headers, ...headers } });

  it('passes with the right token, Host and no Origin', async () => {
    const res = await hit({});
    expect(res.status).toBe(200);
  });

  it('answers 401 without a token, saying to send the bearer token', async () => {
    const res = await hit({ authorization: undefined });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="optagon"');
    const body = await res.json();
    expect(body.error).toMatch(/send Authorization: Bearer <the token in \$OPTAGON_HOME\/daemon\.token, or a session from POST \/api\/auth\/login>/);
  });

  it('answers 401 for a wrong token of the same length', async () => {
    const wrong = (TOKEN[0] === 'A' ? 'B' : 'A') + TOKEN.slice(1);
    expect(wrong).toHaveLength(TOKEN.length);
    const res = await hit({ authorization: `Bearer ${wrong}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 401 for a wrong token of another length, a token prefix, and another scheme', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, 10)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
      const res = await hit({ authorization });
      expect(res.status, authorization).toBe(401);
    }
  });

  it.each(['evil.example', 'evil.example:8443', '127.0.0.1.evil.example:8443', 'localhost.evil.example'])(
    'answers 403 for Host %s even with the right token',
    async (host) => {
      const res = await hit({ host });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe(
        `Host '${host}' is not allowed; add it to daemon.allowed_hosts in config.yaml if you mean it`,
      );
    },
  );

  it('answers 403 for a missing Host', async () => {
    const res = await hit({ host: undefined });
    expect(res.status).toBe(403);
  });

  it('checks Host before the token', async () => {
    const res = await hit({ host: 'evil.example', authorization: undefined });
    expect(res.status).toBe(403);
  });

  it.each(['127.0.0.1:8443', 'localhost:8443', '[::1]:8443', 'LOCALHOST:8443', 'optagon.lan:8443', 'optagon.lan'])(
    'accepts Host %s',
    async (host) => {
      const res = await hit({ host });
      expect(res.status).toBe(200);
    },
  );

  it.each(['http://evil.example', 'http://127.0.0.1:9999', 'https://ui.example.evil.example'])(
    'answers 403 for Origin %s even with the right token',
    async (origin) => {
      const res = await hit({ origin });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe(
        `Origin '${origin}' is not allowed; add it to daemon.allowed_origins in config.yaml if you mean it`,
      );
    },
  );

  it.each(['null', 'not a url', ''])('answers 403 for the malformed Origin %j', async (origin) => {
    const res = await hit({ origin });
    expect(res.status).toBe(403);
  });

  it('accepts the same-origin Origin', async () => {
    const res = await hit({ origin: `http://${HOST}` });
    expect(res.status).toBe(200);
  });

  it('accepts an Origin from allowedOrigins', async () => {
    const res = await hit({ origin: 'https://ui.example' });
    expect(res.status).toBe(200);
  });
});

describe('body limit', () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(LIMIT) } });

  it.each(['/mcp', '/mcp/frames', '/api/tools/frame_list', '/api/tools/frame_create'])(
    'answers 413 for a body over the limit on %s',
    async (path) => {
      const res = await send(path, { headers: MCP_HEADERS, body: big });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: `request body over ${LIMIT} bytes` });
    },
  );

  it('answers 413 from the declared Content-Length alone', async () => {
    const res = await send('/api/tools/frame_list', { headers: { 'content-length': String(LIMIT + 1) }, body: '{}' });
    expect(res.status).toBe(413);
  });

  it('answers 413 inside an MCP session, and the session keeps working', async () => {
    const id = await openSession();
    const res = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: big });
    expect(res.status).toBe(413);
    const ok = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: rpc('ping', 2) });
    expect(ok.status).toBe(200);
    expect(await rpcMessages(ok)).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
  });

  it('lets a body just under the limit through', async () => {
    const body = JSON.stringify({ status: 'created' }) + ' '.repeat(LIMIT - 30);
    expect(body.length).toBeLessThanOrEqual(LIMIT);
    const res = await send('/api/tools/frame_list', { body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ frames: [] });
  });

  it('checks the token before reading the body', async () => {
    const res = await send('/mcp', { headers: { ...MCP_HEADERS, authorization: undefined }, body: big });
    expect(res.status).toBe(401);
  });
});

describe('malformed JSON', () => {
  it('answers 400 with a JSON error on the REST mirror', async () => {
    const res = await send('/api/tools/frame_list', { headers: { 'content-type': 'application/json' }, body: '{"status":' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^the body is not valid JSON \(.+\); send a JSON object of the tool's arguments$/);
  });

  it('answers 400 for JSON that is not an object', async () => {
    const res = await send('/api/tools/frame_list', { body: '[1]' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^invalid arguments for frame_list: \(body\): /);
  });

  it('answers a JSON-RPC parse error with 400 on /mcp, keeps no session, and serves the next request', async () => {
    const res = await send('/mcp', { headers: MCP_HEADERS, body: '{not json' });
    expect(res.status).toBe(400);
    const [msg] = await rpcMessages(res);
    expect(msg.error.code).toBe(-32700);
    expect(sessions.size).toBe(0);

    const next = await send('/mcp', { headers: MCP_HEADERS, body: initialize() });
    expect(next.status).toBe(200);
    expect(next.headers.get('mcp-session-id')).toBeTruthy();
    const [init] = await rpcMessages(next);
    expect(init.result.protocolVersion).toBe('2025-06-18');
  });

  it('answers 400 inside a session, and the session keeps working', async () => {
    const id = await openSession();
    const bad = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect((await rpcMessages(bad))[0].error.code).toBe(-32700);

    const ok = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: rpc('tools/list', 2) });
    expect(ok.status).toBe(200);
    const [list] = await rpcMessages(ok);
    expect(list.result.tools.map((t: { name: string }) => t.name)).toContain('frame_list');
  });
});

describe('/health', () => {
  it('answers 200 without a token', async () => {
    const res = await send('/health', { method: 'GET', headers: { authorization: undefined } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, version: '0.1.0', pid: process.pid });
    expect(typeof body.uptimeMs).toBe('number');
  });

  it('still enforces Host', async () => {
    const res = await send('/health', { method: 'GET', headers: { authorization: undefined, host: 'evil.example:8443' } });
    expect(res.status).toBe(403);
  });

  it('still enforces Origin', async () => {
    const res = await send('/health', { method: 'GET', headers: { authorization: undefined, origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('does not open other paths without a token', async () => {
    const res = await send('/api/status', { method: 'GET', headers: { authorization: undefined } });
    expect(res.status).toBe(401);
  });
});

describe('the web page', () => {
  it('serves / and its assets without a token, under a same-origin CSP, and nothing beside them', async () => {
    const page = await send('/', { method: 'GET', headers: { authorization: undefined } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await send(asset, { method: 'GET', headers: { authorization: undefined } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    for (const path of ['/assets/../../../package.json', '/assets/%2e%2e/%2e%2e/%2e%2e/package.json', '/assets/nothing.js']) {
      const res = await send(path, { method: 'GET', headers: { authorization: undefined } });
      expect(res.status, path).not.toBe(200);
    }
  });

  it('a directory under /assets/ is a 404, not a 500 that shows the server error', async () => {
    // A directory made for the test, so one below /assets/ is tried as well as /assets/ itself.
    const sub = mkdtempSync(join(packageRoot(), 'dist', 'web', 'app', 'assets', 'dir-'));
    try {
      for (const path of ['/assets/', '/assets/.', `/assets/${basename(sub)}`, `/assets/${basename(sub)}/`]) {
        const res = await send(path, { method: 'GET', headers: { authorization: undefined } });
        const body = await res.text();
        expect(res.status, path).toBe(404);
        expect(body, path).not.toMatch(/EISDIR|internal error/);
      }
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
});

describe('REST mirror', () => {
  it('lists the frames tools with JSON schemas and annotations', async () => {
    const res = await send('/api/tools', { method: 'GET' });
    expect(res.status).toBe(200);
    const { tools } = await res.json();
    const names = tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['frame_create', 'frame_list', 'frame_get', 'frame_start', 'frame_stop', 'frame_destroy']));
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema.type, t.name).toBe('object');
      expect(typeof t.title, t.name).toBe('string');
      expect(t.description.length, t.name).toBeGreaterThan(10);
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        expect(typeof t.annotations[hint], `${t.name}.${hint}`).toBe('boolean');
      }
    }
    const create = tools.find((t: { name: string }) => t.name === 'frame_create');
    expect(create.inputSchema.required).toEqual(expect.arrayContaining(['name', 'workspace']));
    // Described as MCP's tools/list describes it: an argument with a default is not required.
    const typeText = tools.find((t: { name: string }) => t.name === 'tmux_send_text');
    expect(typeText.inputSchema.required).toEqual(expect.arrayContaining(['frame', 'text']));
    expect(typeText.inputSchema.required).not.toContain('enter');
    expect(Object.keys(create.inputSchema.properties)).toEqual(expect.arrayContaining(['name', 'workspace', 'description']));
    expect(create.outputSchema.properties.frame.type).toBe('object');
    const list = tools.find((t: { name: string }) => t.name === 'frame_list');
    expect(list.annotations).toEqual({ title: 'List frames', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    const destroy = tools.find((t: { name: string }) => t.name === 'frame_destroy');
    expect(destroy.annotations.destructiveHint).toBe(true);
  });

  it('answers 404 for an unknown tool', async () => {
    const res = await restCall('nope', {});
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("no tool named 'nope'; GET /api/tools lists them");
  });

  it('answers 400 naming the field for invalid arguments', async () => {
    const res = await restCall('frame_create', { name: 'Bad Name', workspace });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^invalid arguments for frame_create: name: /);
    expect(await restCall('frame_list', {}).then((r) => r.json())).toEqual({ frames: [] });
  });

  it('answers 400 naming a missing required field', async () => {
    const res = await restCall('frame_create', { name: 'web' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^invalid arguments for frame_create: workspace: /);
  });

  it('answers 422 with the message when the tool fails', async () => {
    const res = await restCall('frame_get', { frame: 'ghost' });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toBe("frame 'ghost' not found; `optagon frame list` (tool frame_list) shows the frames");
  });

  it('answers 422 for a workspace that does not exist', async () => {
    const missing = join(workspace, 'nope');
    const res = await restCall('frame_create', { name: 'web', workspace: missing });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toBe(`workspace '${missing}' does not exist; create it first (mkdir -p ${missing})`);
  });

  it('runs an empty body as no arguments', async () => {
    const res = await send('/api/tools/frame_list', { body: '' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ frames: [] });
  });

  it('answers 404 JSON for an unknown route', async () => {
    const res = await send('/api/nothing', { method: 'GET' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe('no route GET /api/nothing; see /mcp and GET /api/tools');
  });

  it('creates a frame with the shape of the tool output, as MCP answers it', async () => {
    const res = await restCall('frame_create', { name: 'web', workspace, description: 'the web app' });
    expect(res.status).toBe(200);
    const created = await res.json();
    const output = z.object(findTool(services, 'frame_create')!.tool.output).strict();
    expect(output.parse(created)).toEqual(created);
    expect(created.frame).toMatchObject({ name: 'web', description: 'the web app', status: 'created', containerId: null });

    const client = await connectClient('/mcp');
    const viaMcp = await client.callTool({ name: 'frame_create', arguments: { name: 'api', workspace } });
    expect(viaMcp.isError).toBeFalsy();
    const mcpCreated = viaMcp.structuredContent as { frame: Record<string, unknown> };
    expect(Object.keys(mcpCreated)).toEqual(Object.keys(created));
    expect(Object.keys(mcpCreated.frame).sort()).toEqual(Object.keys(created.frame).sort());

    const listed = await client.callTool({ name: 'frame_list', arguments: {} });
    const rest = await restCall('frame_list', {});
    expect(rest.status).toBe(200);
    const restBody = await rest.json();
    expect(restBody.frames.map((f: { name: string }) => f.name).sort()).toEqual(['api', 'web']);
    expect(listed.structuredContent).toEqual(restBody);
    expect(JSON.parse((listed.content as [{ text: string }])[0].text)).toEqual(restBody);

    const got = await client.callTool({ name: 'frame_get', arguments: { frame: 'web' } });
    expect(got.structuredContent).toEqual(await restCall('frame_get', { frame: 'web' }).then((r) => r.json()));
  });

  it('reports a tool failure as 422 where MCP reports isError with the same message', async () => {
    const client = await connectClient('/mcp');
    const viaMcp = await client.callTool({ name: 'frame_get', arguments: { frame: 'ghost' } });
    expect(viaMcp.isError).toBe(true);
    const rest = await restCall('frame_get', { frame: 'ghost' });
    expect(rest.status).toBe(422);
    expect((viaMcp.content as [{ text: string }])[0].text).toContain((await rest.json()).error);
  });
});

describe('MCP sessions', () => {
  it('answers initialize with an mcp-session-id and keeps the session', async () => {
    const res = await send('/mcp', { headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    const [msg] = await rpcMessages(res);
    expect(msg).toMatchObject({ id: 1, result: { protocolVersion: '2025-06-18', serverInfo: { version: '0.1.0' } } });
    expect(sessions.size).toBe(1);
  });

  it('answers 404 for an unknown session id', async () => {
    const res = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session' }, body: rpc('tools/list', 1) });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toBe('unknown or expired MCP session; start a new one with initialize');
  });

  it('answers 400 for a request without a session that is not initialize', async () => {
    const res = await send('/mcp', { headers: MCP_HEADERS, body: rpc('tools/list', 1) });
    expect(res.status).toBe(400);
    expect(sessions.size).toBe(0);
    const get = await send('/mcp', { method: 'GET', headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
    expect((await get.json()).error.message).toBe('no MCP session: send initialize in a POST first');
  });

  it('closes a session on DELETE; its id then answers 404', async () => {
    const id = await openSession();
    const before = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: rpc('tools/list', 2) });
    expect(before.status).toBe(200);
    await before.text();

    const del = await send('/mcp', { method: 'DELETE', headers: { 'mcp-session-id': id } });
    expect(del.status).toBe(200);
    expect(sessions.size).toBe(0);

    const after = await send('/mcp', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: rpc('tools/list', 3) });
    expect(after.status).toBe(404);
  });

  it('keeps a session to the path it was opened on', async () => {
    const id = await openSession('/mcp');
    const res = await send('/mcp/frames', { headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: rpc('tools/list', 2) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe(`session ${id} belongs to /mcp`);
  });

  it('serves only the frames tools on /mcp/frames', async () => {
    const client = await connectClient('/mcp/frames');
    expect(client.getServerVersion()?.name).toBe('optagon-frames');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('frame_create');
    expect(names.every((n) => n.startsWith('frame_'))).toBe(true);
    const frameToolNames = (await send('/api/tools', { method: 'GET' }).then((r) => r.json())).tools
      .map((t: { name: string }) => t.name)
      .filter((n: string) => n.startsWith('frame_'));
    expect(names.sort()).toEqual(frameToolNames.sort());
  });

  it('serves every tool on /mcp', async () => {
    const client = await connectClient('/mcp');
    const { tools } = await client.listTools();
    const all = (await send('/api/tools', { method: 'GET' }).then((r) => r.json())).tools.map((t: { name: string }) => t.name);
    expect(tools.map((t) => t.name).sort()).toEqual(all.sort());
  });

  it('answers 404 for an unknown server', async () => {
    const res = await send('/mcp/nope', { headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("no MCP server 'nope'; the servers are: frames, tmux, agents, context, manager, browser, guake");
    expect(sessions.size).toBe(0);
  });

  it('refuses an SDK client with a wrong token', async () => {
    await expect(connectClient('/mcp', 'x'.repeat(43))).rejects.toThrow(/wrong bearer token; use the token in \$OPTAGON_HOME\/daemon\.token, or log in/);
    expect(sessions.size).toBe(0);
  });
});
