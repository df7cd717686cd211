import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type OptagonServices } from '../registry.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { createDaemonApp } from './app.js';

const HOST = '127.0.0.1:8443';
const TOKEN = randomBytes(32).toString('base64url');
const PASSWORD = 'correct horse battery staple';

/** Remote access through the daemon's HTTP surface, in-process (app.request), with real auth state. */
describe('remote access: login, sessions and permissions', () => {
  let root: string;
  let workspaces: string;
  let services: OptagonServices;
  let app: ReturnType<typeof createDaemonApp>['app'];
  let auth: ReturnType<typeof createDaemonApp>['auth'];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'optagon-remote-'));
    workspaces = mkdtempSync(join(tmpdir(), 'optagon-remote-ws-'));
    writeFileSync(join(root, 'config.yaml'), `frames:\n  workspace_roots: [${workspaces}]\n`);
    services = createServices(new OptagonHome(root));
    ({ app, auth } = createDaemonApp({ services, token: TOKEN }));
    for (const name of ['web', 'api']) {
      mkdirSync(join(workspaces, name));
      services.frames.frames.create({ name, workspace: join(workspaces, name) });
    }
  });
  afterEach(async () => {
    await services.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(workspaces, { recursive: true, force: true });
  });

  const request = (path: string, body?: unknown, bearer?: string, method = 'POST') =>
    Promise.resolve(
      app.request(`http://${HOST}${path}`, {
        method,
        headers: {
          host: HOST,
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
  /** An MCP client over the in-process app, as a remote session. */
  const mcpClient = async (jwt: string) => {
    const client = new Client({ name: 'remote-test', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`http://${HOST}/mcp`), {
      requestInit: { headers: { host: HOST, authorization: `Bearer ${jwt}` } },
      fetch: (url, init) => Promise.resolve(app.request(String(url), init)),
    });
    await client.connect(transport);
    return client;
  };
  const login = async (body: unknown) => {
    const r = await request('/api/auth/login', body);
    return {
      status: r.status,
      body: (await r.json()) as { jwt?: string; error?: string; permissions?: string[] },
      retryAfter: r.headers.get('retry-after'),
    };
  };

  it('the password gives a session with every permission; wrong ones and no password are refused', async () => {
    expect((await login({ password: PASSWORD })).status).toBe(401); // none set yet
    await auth.passwords.set(PASSWORD);
    expect(await login({ password: 'not the password' })).toMatchObject({
      status: 401,
      body: { error: 'wrong credentials' },
    });
    expect((await login({ nonsense: 1 })).status).toBe(400);
    const ok = await login({ password: PASSWORD });
    expect(ok).toMatchObject({ status: 200, body: { permissions: ['read', 'write', 'manage'] } });
    const jwt = ok.body.jwt!;
    expect((await request('/api/tools/frame_list', {}, jwt)).status).toBe(200);
    expect((await request('/api/status', undefined, jwt, 'GET')).status).toBe(200);
    const refreshed = await request('/api/auth/refresh', {}, jwt);
    expect(refreshed.status).toBe(200);
    // A changed password ends the session at once.
    await auth.passwords.set(`${PASSWORD}!`);
    const after = await request('/api/tools/frame_list', {}, jwt);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: string }).error).toBe('the password changed; log in again');
  });

  it('a read token scoped to one frame reads that frame only and writes nothing, on REST and MCP alike', async () => {
    const { token } = auth.tokens.create({ name: 'phone', permissions: ['read'], frames: ['web'] });
    const session = await login({ token });
    expect(session.body).toMatchObject({ permissions: ['read'] });
    const jwt = session.body.jwt!;
    expect((await request('/api/tools/frame_get', { frame: 'web' }, jwt)).status).toBe(200);
    const other = await request('/api/tools/frame_get', { frame: 'api' }, jwt);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: string }).error).toBe(
      "this session is limited to frame 'web'; frame_get acts on frame 'api', which is not in it (it needs read there)",
    );
    const write = await request('/api/tools/frame_stop', { frame: 'web' }, jwt);
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: string }).error).toBe(
      'this session may not write (frame_stop needs write; it has read on web)',
    );
    expect((await request('/api/tools/frame_create', { name: 'x', workspace: root }, jwt)).status).toBe(403);
    // Lists show only its frames; tools that name no frame are closed to it.
    const listed = (await (await request('/api/tools/frame_list', {}, jwt)).json()) as {
      frames: Array<{ name: string }>;
    };
    expect(listed.frames.map((f) => f.name)).toEqual(['web']);
    const unscoped = await request('/api/tools/context_status', { group_ids: ['shared_global'] }, jwt);
    expect(unscoped.status).toBe(403);
    expect(((await unscoped.json()) as { error: string }).error).toMatch(
      /limited to frame 'web'; context_status names shared_global, which is every frame's group: a frame's session reads it through "frame"/,
    );
    // MCP: the same rule per call; the frame resources (which list every frame) are not served.
    const client = await mcpClient(jwt);
    const call = (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args }) as Promise<{
        isError?: boolean;
        content: Array<{ text: string }>;
        structuredContent?: { frames?: Array<{ name: string }> };
      }>;
    expect((await call('frame_get', { frame: 'web' })).isError).toBeFalsy();
    const stop = await call('frame_stop', { frame: 'web' });
    expect(stop.isError).toBe(true);
    expect(stop.content[0]!.text).toMatch(/may not write \(frame_stop needs write/);
    expect((await call('frame_get', { frame: 'api' })).content[0]!.text).toMatch(
      /frame_get acts on frame 'api', which is not in it/,
    );
    expect((await call('frame_list', {})).structuredContent!.frames!.map((f) => f.name)).toEqual(['web']);
    expect((await client.listResources()).resources).toEqual([]);
    await expect(client.readResource({ uri: 'frames://list' })).rejects.toThrow(/not found/i);
    // A session belongs to who opened it: the daemon's own token cannot ride on it.
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await app.request(`http://${HOST}/mcp`, {
      method: 'POST',
      headers: {
        host: HOST,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        authorization: `Bearer ${TOKEN}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(403);
    expect(await hijack.text()).toMatch(/belongs to another identity/);
    await client.close();
    // Revoked: refused at once.
    auth.tokens.revoke('phone');
    expect((await request('/api/tools/frame_get', { frame: 'web' }, jwt)).status).toBe(401);
  });

  it('scopes hold on the parsed arguments, REST and MCP alike: 403 before 400 where the arguments do not matter', async () => {
    const { token } = auth.tokens.create({
      name: 'api-admin',
      permissions: ['read', 'write', 'manage'],
      frames: ['api'],
    });
    const jwt = (await login({ token })).body.jwt!;
    const error = async (path: string, body: unknown) => {
      const r = await request(path, body, jwt);
      return { status: r.status, error: ((await r.json()) as { error: string }).error };
    };
    // Refused whatever the arguments: a 403 even when they are bad.
    expect(await error('/api/tools/frame_create', { frame: 'api', name: 'evil', workspace: workspaces })).toMatchObject(
      { status: 403, error: expect.stringContaining('frame_create acts on no frame') },
    );
    expect(await error('/api/tools/frame_create', { frame: 'api', name: 'Not A Name!' })).toMatchObject({
      status: 403,
    });
    expect(await error('/api/tools/browser_navigate', { frame: 'api', url: 'file:///etc/passwd' })).toMatchObject({
      status: 403,
      error: expect.stringContaining("drives the host's browser"),
    });
    expect(await error('/api/tools/agent_spawn', { frame: 'web', kind: 'no such kind' })).toMatchObject({
      status: 403,
      error: expect.stringContaining("agent_spawn acts on frame 'web', which is not in it"),
    });
    // Depends on the arguments: bad ones are a 400 (the schema's words only), good ones are judged.
    expect(await error('/api/tools/agent_status', { frame: 'api', agent: 'Web/../x' })).toMatchObject({
      status: 400,
      error: expect.stringContaining('invalid arguments for agent_status: agent'),
    });
    expect(await error('/api/tools/agent_status', { frame: 'api', agent: 'web/claude-1' })).toMatchObject({
      status: 403,
      error: expect.stringContaining("acts on agent 'web/claude-1', which is not in it"),
    });
    expect(await error('/api/tools/agent_stop', { frame: 'api', agent: 'claude-1' })).toMatchObject({
      status: 403,
      error: expect.stringContaining('name it as <frame>/claude-1'),
    });
    expect(services.frames.store.listFrames().map((f) => f.name)).toEqual(['api', 'web']);

    // MCP: the same rule, on the arguments the SDK parsed.
    const client = await mcpClient(jwt);
    const call = (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args }) as Promise<{ isError?: boolean; content: Array<{ text: string }> }>;
    expect(await call('agent_status', { agent: 'web/claude-1' })).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining("acts on agent 'web/claude-1', which is not in it") }],
    });
    const redirect = await call('frame_config_set', {
      frame: 'api',
      values: { agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } },
    });
    expect(redirect).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('agents.env.ANTHROPIC_BASE_URL (it decides where') }],
    });
    expect(
      await call('frame_config_set', { frame: 'api', values: { context: { cross_frame_search: true } } }),
    ).toMatchObject({ isError: true });
    expect(services.frames.frames.getConfig('api').config).toEqual({ name: 'api', workspace: join(workspaces, 'api') });
    await client.close();
  });

  it('agents.env values are write-only: redacted in every answer, kept when written back redacted', async () => {
    const KEY = 'sk-ant-live-0123456789abcdef';
    services.frames.frames.setConfig('web', {
      agents: { env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_MODEL: 'claude-x' } },
    });
    const { token } = auth.tokens.create({ name: 'web-reader', permissions: ['read'], frames: ['web'] });
    const reader = (await login({ token })).body.jwt!;
    for (const [tool, bearer] of [
      ['frame_config_get', reader],
      ['frame_get', reader],
      ['frame_config_get', TOKEN],
    ] as const) {
      const text = await (await request(`/api/tools/${tool}`, { frame: 'web' }, bearer)).text();
      expect(text, tool).not.toContain(KEY);
      expect(JSON.parse(text).config.agents.env, tool).toEqual({
        ANTHROPIC_API_KEY: '<redacted>',
        ANTHROPIC_MODEL: '<redacted>',
      });
    }
    const shown = (
      (await (await request('/api/tools/frame_config_get', { frame: 'web' }, TOKEN)).json()) as {
        config: Record<string, unknown>;
      }
    ).config;
    const saved = await request(
      '/api/tools/frame_config_set',
      { frame: 'web', values: { ...shown, description: 'edited' }, replace: true },
      TOKEN,
    );
    expect(await saved.text()).not.toContain(KEY);
    expect(services.frames.frames.getConfig('web').config).toMatchObject({
      description: 'edited',
      agents: { env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_MODEL: 'claude-x' } },
    });
  });

  it('expired, forged or wrong bearers are refused with what to do', async () => {
    const key = Buffer.from(readFileSync(join(root, 'jwt.key'), 'utf8'), 'base64');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('password')
      .setIssuer('optagon')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    const r = await request('/api/tools/frame_list', {}, expired);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: string }).error).toBe('the session expired; log in again');
    expect((await request('/api/tools/frame_list', {}, 'a.b.c')).status).toBe(401);
    expect((await request('/api/tools/frame_list', {}, 'wrong')).status).toBe(401);
    expect((await request('/api/tools/frame_list', {})).status).toBe(401);
    expect((await request('/api/tools/frame_list', {}, TOKEN)).status).toBe(200); // the daemon's own token
  });

  it('failed logins are rate-limited, with Retry-After', async () => {
    await auth.passwords.set(PASSWORD);
    for (let i = 0; i < 5; i++) expect((await login({ password: 'guess guess guess' })).status).toBe(401);
    const limited = await login({ password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
  });
});
