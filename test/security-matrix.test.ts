import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../servers/frames/state-store.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { AuthService } from '../web/auth/auth-service.js';
import { HeadlessTerminal } from '../web/gateway/headless-client.js';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { frameTerminals, frameTmux, waitFor } from './support/test-home.js';

const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  body: string;
}

/**
 * The security matrix against a real daemon: every HTTP route, /mcp and /ws, each with every kind of
 * bad credential or bad request → refused with the right status or code, and nothing spawned.
 */
describe('security matrix (real daemon)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  let store: StateStore;
  let auth: AuthService;
  let port: number;
  let webContainer: string;
  let totpSecret: string;
  const jwts: Record<string, string> = {};
  let routes: Array<{ method: string; path: string }>;

  /** A raw HTTP request, so Host and Origin are exactly what a hostile page would send. */
  const raw = (method: string, path: string, headers: Record<string, string | undefined> = {}, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const h: Record<string, string> = { host: `127.0.0.1:${port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      for (const [k, v] of Object.entries(headers)) if (v === undefined) delete h[k];
      else h[k] = v;
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: h }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
  const login = (body: unknown) => raw('POST', '/api/auth/login', {}, JSON.stringify(body));
  const wsUrl = () => `ws://127.0.0.1:${port}/ws`;
  const tmuxClients = async () => (await frameTerminals(webContainer)).join('\n');

  /** Each route once, with a body a tool would take for frame `web`. */
  const everyRoute = (headers: Record<string, string | undefined>) =>
    Promise.all(routes.map(async (r) => ({ route: `${r.method} ${r.path}`, ...(await raw(r.method, r.path, headers, r.method === 'POST' ? JSON.stringify(r.path.startsWith('/mcp') ? { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } } : { frame: 'web' }) : undefined)) })));

  beforeAll(async () => {
    home = new DaemonHome(33460);
    daemon = await DaemonProcess.start(home);
    port = Number(new URL(daemon.url).port);
    for (const name of ['web', 'api']) expect((await home.cli('frame', 'create', name, '--workspace', home.workspace(name))).exitCode).toBe(0);
    await daemon.ok('frame_start', { frame: 'web' });
    webContainer = (await daemon.ok('frame_get', { frame: 'web' })).frame.containerName;
    // The same state the daemon reads, as `optagon auth` and `optagon token` would write it.
    const paths = new OptagonHome(home.root);
    store = new StateStore(paths.database);
    auth = new AuthService(store, paths.jwtKeyFile);
    await auth.passwords.set(PASSWORD);
    totpSecret = auth.totp.begin().secret;
    await auth.totp.confirm(await generate({ secret: totpSecret }));
    const tokenJwt = async (name: string, permissions: Array<'read' | 'write' | 'manage'>, frames?: string[]) => {
      const { token } = auth.tokens.create({ name, permissions, ...(frames ? { frames } : {}) });
      const r = await login({ token });
      expect(r.status).toBe(200);
      return (JSON.parse(r.body) as { jwt: string }).jwt;
    };
    jwts.readWeb = await tokenJwt('read-web', ['read'], ['web']);
    jwts.allApi = await tokenJwt('all-api', ['read', 'write', 'manage'], ['api']);
    jwts.revoked = await tokenJwt('revoked', ['read', 'write', 'manage']);
    auth.tokens.revoke('revoked');
    const key = Buffer.from(readFileSync(paths.jwtKeyFile, 'utf8'), 'base64');
    jwts.expired = await new SignJWT({ perms: ['read', 'write', 'manage'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('password').setIssuer('optagon').setIssuedAt(Math.floor(Date.now() / 1000) - 1000).setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(key);
    const tools = (JSON.parse((await raw('GET', '/api/tools', bearer(daemon.token))).body) as { tools: Array<{ name: string }> }).tools;
    const servers = (JSON.parse((await raw('GET', '/api/status', bearer(daemon.token))).body) as { servers: string[] }).servers;
    routes = [
      { method: 'GET', path: '/api/status' },
      { method: 'GET', path: '/api/tools' },
      { method: 'GET', path: '/api/sessions' },
      { method: 'POST', path: '/api/auth/refresh' },
      { method: 'GET', path: '/ws' },
      { method: 'POST', path: '/mcp' },
      ...servers.map((s) => ({ method: 'POST', path: `/mcp/${s}` })),
      ...tools.map((t) => ({ method: 'POST', path: `/api/tools/${t.name}` })),
    ];
    expect(routes.length).toBeGreaterThan(50);
  }, 120_000);
  afterAll(async () => {
    store?.close();
    await daemon?.stop();
    await home?.cleanup();
  });

  /** A /ws connection with an auth message; resolves with how it ended. */
  async function wsAuth(token: string | undefined, first?: Record<string, unknown>) {
    const t = await HeadlessTerminal.open(wsUrl());
    t.send(first ?? { type: 'auth', token });
    await t.until(() => t.closed, 'the connection to close', 10_000);
    return { error: t.messages.find((m) => m.type === 'error'), closed: t.closed! };
  }

  it('no credential: every route 401, /ws closes on a first message that is not auth, or after 5 s of nothing', async () => {
    for (const r of await everyRoute({})) expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining('missing bearer token') });
    // The web page alone is public (it holds no data and logs in itself), behind a strict CSP.
    const page = await raw('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect((await raw('POST', '/', {}, '{}')).status).toBe(401);
    expect(await wsAuth(undefined, { type: 'attach', frameId: 'web' })).toMatchObject({ error: { code: 'auth_required' }, closed: { code: 4001 } });
    const silent = await HeadlessTerminal.open(wsUrl());
    const started = Date.now();
    await silent.until(() => silent.closed, 'the auth timeout', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(silent.messages).toEqual([{ type: 'error', code: 'auth_timeout', message: expect.stringContaining('no auth within 5 s') }]);
    expect(await tmuxClients()).toBe('');
  });

  it('bad password, bad TOTP and a reused TOTP get no session; their guesses open nothing', async () => {
    expect((await login({ password: 'not the password at all', totp: await generate({ secret: totpSecret }) })).status).toBe(401);
    expect((await login({ password: PASSWORD, totp: '000000' })).status).toBe(401);
    expect((await login({ password: PASSWORD })).status).toBe(401); // TOTP is on: the password alone is not enough
    // The next 30 s step: the current one's code was used to enable TOTP.
    const code = await generate({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const first = await login({ password: PASSWORD, totp: code });
    expect(first.status).toBe(200);
    expect((await login({ password: PASSWORD, totp: code })).status).toBe(401); // the same code again
    for (const guess of [PASSWORD, code, 'opt_0000000000000000_notarealtokennotarealtokennotarealtoken']) {
      for (const r of await everyRoute(bearer(guess))) expect(r, r.route).toMatchObject({ status: 401 });
      expect(await wsAuth(guess)).toMatchObject({ error: { code: 'auth_failed' }, closed: { code: 4001 } });
    }
    expect(await tmuxClients()).toBe('');
  }, 60_000);

  it('an expired session and a revoked token\'s session are refused everywhere', async () => {
    for (const [jwt, why] of [[jwts.expired!, 'the session expired'], [jwts.revoked!, 'revoked']] as const) {
      for (const r of await everyRoute(bearer(jwt))) expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining(why) });
      expect(await wsAuth(jwt)).toMatchObject({ error: { code: 'auth_failed', message: expect.stringContaining(why) }, closed: { code: 4001 } });
    }
    expect(await tmuxClients()).toBe('');
  }, 60_000);

  it('revoking a token ends its open terminal within seconds', async () => {
    const { token } = auth.tokens.create({ name: 'late-revoke', permissions: ['read', 'write'] });
    const jwt = (JSON.parse((await login({ token })).body) as { jwt: string }).jwt;
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: jwt });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web' });
    await t.next('attached');
    await waitFor('its tmux client in the frame', async () => (await tmuxClients()) !== '');
    auth.tokens.revoke('late-revoke');
    await t.until(() => t.closed, 'the connection to close', 10_000);
    expect(t.closed!.code).toBe(4001);
    expect(t.messages.at(-1)).toMatchObject({ type: 'error', code: 'session_expired', message: expect.stringContaining('revoked') });
    await waitFor('its tmux client to go', async () => (await tmuxClients()) === '');
  }, 30_000);

  it('a read token writes nothing: write and manage routes 403, MCP calls refused, terminal input dropped', async () => {
    const answers = await everyRoute(bearer(jwts.readWeb!));
    const tools = (JSON.parse((await raw('GET', '/api/tools', bearer(daemon.token))).body) as { tools: Array<{ name: string; annotations: { readOnlyHint?: boolean } }> }).tools;
    for (const t of tools.filter((t) => !t.annotations.readOnlyHint)) {
      expect(answers.find((a) => a.route === `POST /api/tools/${t.name}`), t.name).toMatchObject({ status: 403, body: expect.stringMatching(/may not (write|manage)/) });
    }
    expect(answers.find((a) => a.route === 'GET /api/sessions')).toMatchObject({ status: 403 });
    // MCP: the session opens; a write is refused in the call's result, a read goes through.
    expect(answers.find((a) => a.route === 'POST /mcp')).toMatchObject({ status: 200 });
    const client = new Client({ name: 'reader', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), { requestInit: { headers: bearer(jwts.readWeb!) } }));
    const stop = (await client.callTool({ name: 'frame_stop', arguments: { frame: 'web' } })) as { isError?: boolean; content: Array<{ text: string }> };
    expect(stop).toMatchObject({ isError: true, content: [{ text: expect.stringContaining("may not write frame 'web'") }] });
    expect((await client.callTool({ name: 'frame_get', arguments: { frame: 'web' } })).isError).toBeFalsy();
    await client.close();
    // /ws: it may watch web, read-only; what it types never reaches tmux.
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: jwts.readWeb });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web' });
    expect(await t.next('attached')).toMatchObject({ readOnly: true });
    t.send({ type: 'input', data: 'echo typed-by-reader-$((1+1))\r' });
    expect(await t.next('error')).toMatchObject({ code: 'read_only', message: expect.stringContaining('no write permission') });
    await new Promise((r) => setTimeout(r, 500));
    expect(await frameTmux(webContainer, 'capture-pane', '-p', '-t', 'main')).not.toContain('typed-by-reader');
    await waitFor('its tmux client in the frame', async () => (await tmuxClients()) !== '');
    expect(await frameTerminals(webContainer, '#{client_readonly}')).toEqual(['1']);
    t.close();
    await waitFor('its tmux client to go', async () => (await tmuxClients()) === '');
    expect((await daemon.ok('frame_get', { frame: 'web' })).frame.status).toBe('running');
  }, 60_000);

  it('a token for another frame cannot touch this one, over REST, MCP or /ws', async () => {
    const answers = await everyRoute(bearer(jwts.allApi!));
    for (const a of answers.filter((a) => a.route.startsWith('POST /api/tools/'))) expect(a, a.route).toMatchObject({ status: 403 });
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: jwts.allApi });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web' });
    expect(await t.next('error')).toMatchObject({ code: 'forbidden', message: expect.stringContaining("may not see frame 'web'") });
    t.close();
    expect(await tmuxClients()).toBe('');
    expect((await daemon.ok('frame_list')).frames).toHaveLength(2); // nothing created or destroyed
  }, 60_000);

  it('a bad Origin or a bad Host is refused on every route, /mcp and the /ws upgrade, before any credential counts', async () => {
    for (const headers of [{ origin: 'http://evil.example' }, { host: 'evil.example' }, { host: `evil.example:${port}` }, { origin: 'null' }] as Array<Record<string, string>>) {
      for (const r of await everyRoute({ ...headers, ...bearer(daemon.token) })) expect(r, `${r.route} ${JSON.stringify(headers)}`).toMatchObject({ status: 403, body: expect.stringMatching(/(Origin|Host) '.*' is not allowed/) });
      expect(await raw('GET', '/', headers)).toMatchObject({ status: 403 });
      const upgrade = await HeadlessTerminal.open(wsUrl(), { headers }).then(() => undefined, (e: { status?: number; body?: string }) => e);
      expect(upgrade).toMatchObject({ status: 403, body: expect.stringMatching(/is not allowed/) });
    }
    expect(await tmuxClients()).toBe('');
  }, 60_000);
});
