import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDatabase } from '../servers/shared/state-database.js';
import type Database from 'better-sqlite3';
import { TaskStore } from '../servers/manager/task-store.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { AuthService } from '../web/auth/auth-service.js';
import { HeadlessTerminal } from '../web/gateway/headless-client.js';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { FakeAnthropic } from './support/fake-anthropic.js';
import { frameTerminals, frameTmux, waitFor } from './support/test-home.js';
import { sleep } from '../servers/shared/sleep.js';

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
  let db: Database.Database;
  let auth: AuthService;
  let port: number;
  let webContainer: string;
  let totpSecret: string;
  const jwts: Record<string, string> = {};
  let routes: Array<{ method: string; path: string }>;

  /** A raw HTTP request, so Host and Origin are exactly what a hostile page would send. */
  const raw = (method: string, path: string, headers: Record<string, string | undefined> = {}, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const h: Record<string, string> = {
        host: `127.0.0.1:${port}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      };
      for (const [k, v] of Object.entries(headers))
        if (v === undefined) delete h[k];
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
    Promise.all(
      routes.map(async (r) => ({
        route: `${r.method} ${r.path}`,
        ...(await raw(
          r.method,
          r.path,
          headers,
          r.method === 'POST'
            ? JSON.stringify(
                r.path.startsWith('/mcp')
                  ? {
                      jsonrpc: '2.0',
                      id: 1,
                      method: 'initialize',
                      params: {
                        protocolVersion: '2025-06-18',
                        capabilities: {},
                        clientInfo: { name: 'x', version: '1' },
                      },
                    }
                  : { frame: 'web' },
              )
            : undefined,
        )),
      })),
    );

  beforeAll(async () => {
    home = new DaemonHome(33460);
    daemon = await DaemonProcess.start(home);
    port = Number(new URL(daemon.url).port);
    for (const name of ['web', 'api'])
      expect((await home.cli('frame', 'create', name, '--workspace', home.workspace(name))).exitCode).toBe(0);
    await daemon.ok('frame_start', { frame: 'web' });
    webContainer = (await daemon.ok('frame_get', { frame: 'web' })).frame.containerName;
    // The same state the daemon reads, as `optagon auth` and `optagon token` would write it.
    const paths = new OptagonHome(home.root);
    db = openStateDatabase(paths.database);
    auth = new AuthService(db, paths.jwtKeyFile);
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
    jwts.expired = await new SignJWT({ perms: ['read', 'write', 'manage'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('password')
      .setIssuer('optagon')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 1000)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    const tools = (
      JSON.parse((await raw('GET', '/api/tools', bearer(daemon.token))).body) as { tools: Array<{ name: string }> }
    ).tools;
    const servers = (JSON.parse((await raw('GET', '/api/status', bearer(daemon.token))).body) as { servers: string[] })
      .servers;
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
    db?.close();
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
    for (const r of await everyRoute({}))
      expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining('missing bearer token') });
    // The web page alone is public (it holds no data and logs in itself), behind a strict CSP.
    const page = await raw('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect((await raw('POST', '/', {}, '{}')).status).toBe(401);
    expect(await wsAuth(undefined, { type: 'attach', frameId: 'web' })).toMatchObject({
      error: { code: 'auth_required' },
      closed: { code: 4001 },
    });
    const silent = await HeadlessTerminal.open(wsUrl());
    const started = Date.now();
    await silent.until(() => silent.closed, 'the auth timeout', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(silent.messages).toEqual([
      { type: 'error', code: 'auth_timeout', message: expect.stringContaining('no auth within 5 s') },
    ]);
    expect(await tmuxClients()).toBe('');
  });

  it('bad password, bad TOTP and a reused TOTP get no session; their guesses open nothing', async () => {
    expect(
      (await login({ password: 'not the password at all', totp: await generate({ secret: totpSecret }) })).status,
    ).toBe(401);
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

  it("an expired session and a revoked token's session are refused everywhere", async () => {
    for (const [jwt, why] of [
      [jwts.expired!, 'the session expired'],
      [jwts.revoked!, 'revoked'],
    ] as const) {
      for (const r of await everyRoute(bearer(jwt)))
        expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining(why) });
      expect(await wsAuth(jwt)).toMatchObject({
        error: { code: 'auth_failed', message: expect.stringContaining(why) },
        closed: { code: 4001 },
      });
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
    expect(t.messages.at(-1)).toMatchObject({
      type: 'error',
      code: 'session_expired',
      message: expect.stringContaining('revoked'),
    });
    await waitFor('its tmux client to go', async () => (await tmuxClients()) === '');
  }, 30_000);

  it('a read token writes nothing: write and manage routes 403, MCP calls refused, terminal input dropped', async () => {
    const answers = await everyRoute(bearer(jwts.readWeb!));
    const tools = (
      JSON.parse((await raw('GET', '/api/tools', bearer(daemon.token))).body) as {
        tools: Array<{ name: string; annotations: { readOnlyHint?: boolean } }>;
      }
    ).tools;
    for (const t of tools.filter((t) => !t.annotations.readOnlyHint)) {
      expect(
        answers.find((a) => a.route === `POST /api/tools/${t.name}`),
        t.name,
      ).toMatchObject({ status: 403, body: expect.stringMatching(/may not (write|manage)/) });
    }
    expect(answers.find((a) => a.route === 'GET /api/sessions')).toMatchObject({ status: 403 });
    // MCP: the session opens; a write is refused in the call's result, a read goes through.
    expect(answers.find((a) => a.route === 'POST /mcp')).toMatchObject({ status: 200 });
    const client = new Client({ name: 'reader', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), {
        requestInit: { headers: bearer(jwts.readWeb!) },
      }),
    );
    const stop = (await client.callTool({ name: 'frame_stop', arguments: { frame: 'web' } })) as {
      isError?: boolean;
      content: Array<{ text: string }>;
    };
    expect(stop).toMatchObject({
      isError: true,
      content: [
        { text: expect.stringContaining('this session may not write (frame_stop needs write; it has read on web)') },
      ],
    });
    expect((await client.callTool({ name: 'frame_get', arguments: { frame: 'web' } })).isError).toBeFalsy();
    await client.close();
    // /ws: it may watch web, read-only; what it types never reaches tmux.
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: jwts.readWeb });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web' });
    expect(await t.next('attached')).toMatchObject({ readOnly: true });
    t.send({ type: 'input', data: 'echo typed-by-reader-$((1+1))\r' });
    expect(await t.next('error')).toMatchObject({
      code: 'read_only',
      message: expect.stringContaining('no write permission'),
    });
    await sleep(500);
    expect(await frameTmux(webContainer, 'capture-pane', '-p', '-t', 'main')).not.toContain('typed-by-reader');
    await waitFor('its tmux client in the frame', async () => (await tmuxClients()) !== '');
    expect(await frameTerminals(webContainer, '#{client_readonly}')).toEqual(['1']);
    t.close();
    await waitFor('its tmux client to go', async () => (await tmuxClients()) === '');
    expect((await daemon.ok('frame_get', { frame: 'web' })).frame.status).toBe('running');
  }, 60_000);

  it('a token for another frame cannot touch this one, over REST, MCP or /ws', async () => {
    const answers = await everyRoute(bearer(jwts.allApi!));
    // {"frame":"web"} to every tool: refused (403) where the tool takes frame or acts on no frame; a
    // tool that takes no frame drops the key, and without its own arguments the call is a 400 (the
    // schema's words); frame_list answers with api alone. Nothing names web.
    const tools = (
      JSON.parse((await raw('GET', '/api/tools', bearer(daemon.token))).body) as {
        tools: Array<{ name: string; inputSchema: { properties?: Record<string, unknown> } }>;
      }
    ).tools;
    const web = (await daemon.ok('frame_get', { frame: 'web' })).frame as { id: string; groupId: string };
    for (const a of answers.filter((a) => a.route.startsWith('POST /api/tools/'))) {
      const t = tools.find((t) => a.route === `POST /api/tools/${t.name}`)!;
      if (t.name === 'frame_list') expect(JSON.parse(a.body)).toMatchObject({ frames: [{ name: 'api' }] });
      else if (a.status === 400) expect(t.inputSchema.properties?.frame, a.route).toBeUndefined();
      else expect(a, a.route).toMatchObject({ status: 403 });
      for (const secret of ['"name":"web"', web.id, web.groupId]) expect(a.body, a.route).not.toContain(secret);
    }
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: jwts.allApi });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web' });
    expect(await t.next('error')).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining("may not see frame 'web'"),
    });
    t.close();
    expect(await tmuxClients()).toBe('');
    expect((await daemon.ok('frame_list')).frames).toHaveLength(2); // nothing created or destroyed
  }, 60_000);

  it('a bad Origin or a bad Host is refused on every route, /mcp and the /ws upgrade, before any credential counts', async () => {
    for (const headers of [
      { origin: 'http://evil.example' },
      { host: 'evil.example' },
      { host: `evil.example:${port}` },
      { origin: 'null' },
    ] as Array<Record<string, string>>) {
      for (const r of await everyRoute({ ...headers, ...bearer(daemon.token) }))
        expect(r, `${r.route} ${JSON.stringify(headers)}`).toMatchObject({
          status: 403,
          body: expect.stringMatching(/(Origin|Host) '.*' is not allowed/),
        });
      expect(await raw('GET', '/', headers)).toMatchObject({ status: 403 });
      const upgrade = await HeadlessTerminal.open(wsUrl(), { headers }).then(
        () => undefined,
        (e: { status?: number; body?: string }) => e,
      );
      expect(upgrade).toMatchObject({ status: 403, body: expect.stringMatching(/is not allowed/) });
    }
    expect(await tmuxClients()).toBe('');
  }, 60_000);

  /**
   * Scopes on what a call really acts on, secrets in config, cross-frame knowledge and the JWT
   * lifetime. Frame 'api' is the attacker's (tokens scoped to it), 'web' the victim, with a real
   * Claude Code agent (web/claude-1, against a fake model API), a task and knowledge of its own.
   * Each case is an attack that once worked; it asserts the refusal and that nothing happened.
   */
  describe('scopes on the arguments a tool acts on, and secrets', () => {
    const KEY = 'sk-ant-matrix-0123456789abcdefghij';
    const SECRET = 'vault-7731';
    const fake = new FakeAnthropic([]);
    let readApi: string;
    let webId: string;
    let webPort: number;
    let taskId: string;
    const post = async (jwt: string, tool: string, args: Record<string, unknown>) => {
      const r = await raw('POST', `/api/tools/${tool}`, bearer(jwt), JSON.stringify(args));
      return {
        status: r.status,
        body: r.body,
        error: r.status === 200 ? undefined : (JSON.parse(r.body) as { error: string }).error,
      };
    };
    const mcp = async (jwt: string) => {
      const client = new Client({ name: 'attacker', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), { requestInit: { headers: bearer(jwt) } }),
      );
      return client;
    };
    const agentState = async () => (await daemon.ok('agent_status', { agent: 'web/claude-1' })).agent.state as string;

    beforeAll(async () => {
      await fake.start();
      readApi = (
        JSON.parse(
          (
            await login({
              token: auth.tokens.create({ name: 'read-api', permissions: ['read'], frames: ['api'] }).token,
            })
          ).body,
        ) as { jwt: string }
      ).jwt;
      await daemon.ok('frame_config_set', {
        frame: 'web',
        values: { agents: { env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: KEY } } },
      });
      const web = (await daemon.ok('frame_get', { frame: 'web' })).frame;
      webId = web.id;
      webPort = web.hostPort;
      await daemon.ok('agent_spawn', { frame: 'web', kind: 'claude', name: 'claude-1' });
      await daemon.ok('context_add_episode', {
        frame: 'web',
        name: 'launch plan',
        content: `The web frame keeps its launch codes in ${SECRET}.`,
        wait: true,
      });
      taskId = randomBytes(6).toString('hex');
      new TaskStore(db).insert(taskId, webId, 'Secret web task: move the launch codes');
    }, 180_000);
    afterAll(async () => {
      await fake.close();
    });

    it('frame_create acts on no frame: a "frame" in the body, which zod drops, does not make it one', async () => {
      const create = await post(jwts.allApi!, 'frame_create', {
        frame: 'api',
        name: 'evil',
        workspace: home.workspace('evil'),
      });
      expect(create).toMatchObject({
        status: 403,
        error:
          "this session is limited to frame 'api'; frame_create acts on no frame (it creates a new frame): use a token without a frame scope (or the password)",
      });
      expect((await daemon.ok('frame_list')).frames.map((f: { name: string }) => f.name).sort()).toEqual([
        'api',
        'web',
      ]);
      const client = await mcp(jwts.allApi!);
      expect(
        await client.callTool({ name: 'frame_create', arguments: { name: 'evil', workspace: home.workspace('evil') } }),
      ).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('frame_create acts on no frame') }] });
      await client.close();
      expect((await daemon.ok('frame_list')).frames).toHaveLength(2);
    });

    it('the terminal sessions of every frame are not listed to a frame-limited manager', async () => {
      const r = await raw('GET', '/api/sessions', bearer(jwts.allApi!));
      expect(r).toMatchObject({
        status: 403,
        body: expect.stringContaining("limited to frame 'api'; the terminal sessions list every frame's"),
      });
      expect((await raw('GET', '/api/sessions', bearer(daemon.token))).status).toBe(200);
    });

    it("another frame's agent: its screen is not read, it is not stopped or typed to, a bare name is not resolved to it", async () => {
      const status = await post(readApi, 'agent_status', { frame: 'api', agent: 'web/claude-1' });
      expect(status).toMatchObject({
        status: 403,
        error: expect.stringContaining("agent_status acts on agent 'web/claude-1', which is not in it"),
      });
      expect(status.body).not.toContain('lastLines');
      const bare = await post(readApi, 'agent_read', { frame: 'api', agent: 'claude-1' });
      expect(bare).toMatchObject({ status: 403, error: expect.stringContaining('name it as <frame>/claude-1') });
      expect(bare.body).not.toContain('"text"');
      const before = await agentState();
      expect(before).not.toBe('exited');
      const stop = await post(jwts.allApi!, 'agent_stop', { frame: 'api', agent: 'web/claude-1' });
      expect(stop).toMatchObject({
        status: 403,
        error: expect.stringContaining(
          "agent_stop acts on agent 'web/claude-1', which is not in it (it needs write there)",
        ),
      });
      expect(
        await post(jwts.allApi!, 'agent_send', { frame: 'api', agent: 'web/claude-1', message: 'rm -rf /workspace' }),
      ).toMatchObject({ status: 403 });
      expect(await agentState()).not.toBe('exited');
      expect(
        (await daemon.ok('tmux_list_windows', { frame: 'web' })).windows.map((w: { name: string }) => w.name),
      ).toContain('claude-1');
      expect(fake.requests.some((r) => JSON.stringify(r).includes('rm -rf'))).toBe(false);
      // The same rule over MCP (where the SDK dropped "frame" before the old check too).
      const client = await mcp(readApi);
      expect(await client.callTool({ name: 'agent_status', arguments: { agent: 'web/claude-1' } })).toMatchObject({
        isError: true,
        content: [{ text: expect.stringContaining('which is not in it') }],
      });
      await client.close();
      expect((JSON.parse((await post(readApi, 'agent_list', {})).body) as { agents: unknown[] }).agents).toEqual([]);
    }, 60_000);

    it("another frame's task is not read or cancelled, and an unknown one is refused in the same words", async () => {
      const task = await post(readApi, 'task_status', { frame: 'api', task: taskId });
      expect(task).toMatchObject({
        status: 403,
        error: `this session is limited to frame 'api'; task_status acts on task '${taskId}', which is not in it (it needs read there)`,
      });
      expect(task.body).not.toContain('Secret web task');
      expect(await post(jwts.allApi!, 'task_cancel', { frame: 'api', task: taskId })).toMatchObject({ status: 403 });
      expect((await daemon.ok('task_status', { task: taskId })).task.status).toBe('running');
      // An unknown task is refused in the same words: a refusal tells nothing about other frames.
      expect((await post(readApi, 'task_status', { frame: 'api', task: 'abcdef012345' })).error).toBe(
        task.error!.replace(taskId, 'abcdef012345'),
      );
      // Lists are cut to the session's frames.
      expect((JSON.parse((await post(readApi, 'task_list', {})).body) as { tasks: unknown[] }).tasks).toEqual([]);
      const client = await mcp(readApi);
      expect(await client.callTool({ name: 'task_status', arguments: { task: taskId } })).toMatchObject({
        isError: true,
      });
      await client.close();
    });

    it("the host's browser is closed to a frame-limited session: it does not go to web's app", async () => {
      const url = `http://127.0.0.1:${webPort}/`;
      const navigate = await post(jwts.allApi!, 'browser_navigate', { frame: 'api', url });
      expect(navigate).toMatchObject({
        status: 403,
        error: expect.stringContaining("browser_navigate acts on no frame (it drives the host's browser"),
      });
      for (const [tool, args] of [
        ['browser_snapshot', {}],
        ['browser_evaluate', { expression: 'document.cookie' }],
        ['browser_click', { selector: 'a' }],
        ['browser_screenshot', {}],
      ] as const) {
        expect(await post(jwts.allApi!, tool, { frame: 'api', ...args }), tool).toMatchObject({ status: 403 });
      }
      // Nothing was opened: the daemon's page is still blank.
      expect((await daemon.ok('browser_snapshot')).url).toBe('about:blank');
    }, 60_000);

    it('agents.env values are write-only: redacted for a reader (and everyone), and absent from the mirror, which is 0600', async () => {
      for (const [tool, jwt] of [
        ['frame_config_get', jwts.readWeb!],
        ['frame_get', jwts.readWeb!],
        ['frame_config_get', daemon.token],
      ] as const) {
        const r = await post(jwt, tool, { frame: 'web' });
        expect(r.status, tool).toBe(200);
        expect(r.body, tool).not.toContain(KEY);
        expect(
          (JSON.parse(r.body) as { config: { agents: { env: Record<string, string> } } }).config.agents.env,
          tool,
        ).toEqual({ ANTHROPIC_BASE_URL: '<redacted>', ANTHROPIC_API_KEY: '<redacted>' });
      }
      const mirror = join(home.root, 'frames', webId, 'config.yaml');
      expect(statSync(mirror).mode & 0o777).toBe(0o600);
      expect(readFileSync(mirror, 'utf8')).not.toContain(KEY);
    });

    it("a frame-limited manager cannot point its frame's agents (and the host's key) at another endpoint", async () => {
      const apiConfig = async () => (await daemon.ok('frame_config_get', { frame: 'api' })).config;
      const before = await apiConfig();
      for (const values of [
        { agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } },
        { agents: { env: { HTTPS_PROXY: 'http://evil.example:3128' } } },
        { agents: { env: { NODE_OPTIONS: '--require /workspace/steal.js' } } },
      ]) {
        const r = await post(jwts.allApi!, 'frame_config_set', { frame: 'api', values });
        expect(r, JSON.stringify(values)).toMatchObject({
          status: 403,
          error: expect.stringMatching(
            /frame_config_set sets agents\.env\.\w+ \(it decides where the frame's agents send the model key they get from the host\): only a session for every frame may do that/,
          ),
        });
      }
      expect(
        await post(jwts.allApi!, 'frame_config_set', {
          frame: 'api',
          values: { ...before, agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } },
          replace: true,
        }),
      ).toMatchObject({ status: 403 });
      const client = await mcp(jwts.allApi!);
      expect(
        await client.callTool({
          name: 'frame_config_set',
          arguments: { frame: 'api', values: { agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } } },
        }),
      ).toMatchObject({ isError: true });
      await client.close();
      expect(await apiConfig()).toEqual(before);
      // What it may still set in its frame: a model, its own key.
      expect(
        (
          await post(jwts.allApi!, 'frame_config_set', {
            frame: 'api',
            values: { agents: { env: { ANTHROPIC_MODEL: 'claude-x' } } },
          })
        ).status,
      ).toBe(200);
      await daemon.ok('frame_config_set', { frame: 'api', values: before, replace: true });
    }, 60_000);

    it('a frame-limited manager cannot switch cross-frame knowledge on', async () => {
      const apiConfig = async () => (await daemon.ok('frame_config_get', { frame: 'api' })).config;
      const before = await apiConfig();
      const on = await post(jwts.allApi!, 'frame_config_set', {
        frame: 'api',
        values: { context: { cross_frame_search: true } },
      });
      expect(on).toMatchObject({
        status: 403,
        error: expect.stringContaining("context.cross_frame_search (it lets frame 'api' read every frame's knowledge)"),
      });
      const client = await mcp(jwts.allApi!);
      expect(
        await client.callTool({
          name: 'frame_config_set',
          arguments: { frame: 'api', values: { context: { cross_frame_search: true } } },
        }),
      ).toMatchObject({ isError: true });
      await client.close();
      expect(await apiConfig()).toEqual(before);
    });

    it("with cross-frame knowledge switched on by the owner, that frame's reader still cannot read other frames through it", async () => {
      // A session for every frame reads web's knowledge through api; api's reader does not.
      await daemon.ok('frame_config_set', { frame: 'api', values: { context: { cross_frame_search: true } } });
      try {
        expect((await daemon.ok('context_curate', { frame: 'api', task: 'launch codes' })).text).toContain(SECRET);
        for (const [tool, args] of [
          ['context_curate', { task: 'launch codes' }],
          ['context_curate', { task: 'launch codes', cross_frame: true }],
          ['context_search', { query: 'launch codes' }],
          ['context_search_nodes', { query: 'launch codes' }],
        ] as const) {
          const r = await post(readApi, tool, { frame: 'api', ...args });
          expect(r, tool).toMatchObject({
            status: 403,
            error: expect.stringMatching(
              /limited to frame 'api'; (frame 'api' has context.cross_frame_search on, so this|cross_frame: true) reads every frame's knowledge/,
            ),
          });
          expect(r.body, tool).not.toContain(SECRET);
        }
        // Its own frame's knowledge it still reads.
        const own = await post(readApi, 'context_curate', { frame: 'api', task: 'launch codes', cross_frame: false });
        expect(own.status).toBe(200);
        expect(own.body).not.toContain(SECRET);
        // Naming web's group directly is refused too.
        const groupId = (await daemon.ok('frame_get', { frame: 'web' })).frame.groupId;
        expect(await post(readApi, 'context_get_episodes', { group_ids: [groupId] })).toMatchObject({ status: 403 });
      } finally {
        await daemon.ok('frame_config_set', { frame: 'api', values: { context: { cross_frame_search: null } } });
      }
    }, 60_000);

    /** A password session signed with the daemon's own key, as a stolen key or a bug in issuing would make one. */
    const signed = (iat: number | undefined, exp: number) => {
      const jwt = new SignJWT({ perms: ['read', 'write', 'manage'], pwv: auth.passwords.version() })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('password')
        .setIssuer('optagon')
        .setExpirationTime(exp);
      if (iat !== undefined) jwt.setIssuedAt(iat);
      return jwt.sign(Buffer.from(readFileSync(new OptagonHome(home.root).jwtKeyFile, 'utf8'), 'base64'));
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('a JWT older than the session lifetime is refused everywhere, whatever its exp says', async () => {
      const forever = await signed(now() - 3600, now() + 10 * 365 * 86_400);
      for (const r of await everyRoute(bearer(forever)))
        expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining('the session expired') });
      expect(await wsAuth(forever)).toMatchObject({ error: { code: 'auth_failed' }, closed: { code: 4001 } });
    }, 60_000);

    it('a JWT without iat is refused everywhere', async () => {
      const noIat = await signed(undefined, now() + 600);
      for (const r of await everyRoute(bearer(noIat)))
        expect(r, r.route).toMatchObject({ status: 401, body: expect.stringContaining('not a valid session') });
      expect(await wsAuth(noIat)).toMatchObject({ error: { code: 'auth_failed' }, closed: { code: 4001 } });
      // The control: one issued now with the same key is a good session.
      expect((await raw('GET', '/api/status', bearer(await signed(now(), now() + 600)))).status).toBe(200);
    }, 60_000);
  });
});
