import { describe, expect, it } from 'vitest';
import {
  sessions,
  HOST,
  TOKEN,
  LIMIT,
  MCP_HEADERS,
  initialize,
  rpc,
  targets,
  send,
  rpcMessages,
  openSession,
  useDaemonApp,
} from './app-fixture.js';

// The guards in front of every route: Host and Origin, the bearer token, the body's size and its JSON.
useDaemonApp();

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
    expect(body.error).toMatch(
      /send Authorization: Bearer <the token in \$OPTAGON_HOME\/daemon\.token, or a session from POST \/api\/auth\/login>/,
    );
  });

  it('answers 401 for a wrong token of the same length', async () => {
    const wrong = (TOKEN[0] === 'A' ? 'B' : 'A') + TOKEN.slice(1);
    expect(wrong).toHaveLength(TOKEN.length);
    const res = await hit({ authorization: `Bearer ${wrong}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 401 for a wrong token of another length, a token prefix, and another scheme', async () => {
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, 10)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer ',
    ]) {
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
    const res = await send('/api/tools/frame_list', {
      headers: { 'content-type': 'application/json' },
      body: '{"status":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(
      /^the body is not valid JSON \(.+\); send a JSON object of the tool's arguments$/,
    );
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
