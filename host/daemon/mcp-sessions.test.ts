import { describe, expect, it } from 'vitest';
import {
  sessions,
  MCP_HEADERS,
  initialize,
  rpc,
  send,
  rpcMessages,
  openSession,
  connectClient,
  useDaemonApp,
} from './app-fixture.js';

// MCP over Streamable HTTP: sessions at /mcp and /mcp/<server>.
useDaemonApp();

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
    const res = await send('/mcp', {
      headers: { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: rpc('tools/list', 1),
    });
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
    const before = await send('/mcp', {
      headers: { ...MCP_HEADERS, 'mcp-session-id': id },
      body: rpc('tools/list', 2),
    });
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
    const res = await send('/mcp/frames', {
      headers: { ...MCP_HEADERS, 'mcp-session-id': id },
      body: rpc('tools/list', 2),
    });
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
    const all = (await send('/api/tools', { method: 'GET' }).then((r) => r.json())).tools.map(
      (t: { name: string }) => t.name,
    );
    expect(tools.map((t) => t.name).sort()).toEqual(all.sort());
  });

  it('answers 404 for an unknown server', async () => {
    const res = await send('/mcp/nope', { headers: MCP_HEADERS, body: initialize() });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe(
      "no MCP server 'nope'; the servers are: frames, tmux, agents, context, manager, browser, guake",
    );
    expect(sessions.size).toBe(0);
  });

  it('refuses an SDK client with a wrong token', async () => {
    await expect(connectClient('/mcp', 'x'.repeat(43))).rejects.toThrow(
      /wrong bearer token; use the token in \$OPTAGON_HOME\/daemon\.token, or log in/,
    );
    expect(sessions.size).toBe(0);
  });
});
