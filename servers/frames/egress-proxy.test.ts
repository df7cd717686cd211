import { once } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EgressProxy,
  hostAllowed,
  isHostLocal,
  MAX_CONNECTIONS,
  type EgressProxyOptions,
  type EgressRefusal,
} from './egress-proxy.js';

/** A server that answers with its name and what it was sent, so a test sees which one a request reached. */
async function startServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

let allowed: { server: Server; port: number };
let denied: { server: Server; port: number };
let proxy: EgressProxy;
let proxyPort: number;
let refusals: EgressRefusal[];
const clients: Socket[] = [];

function options(allowlist = ['allowed.test']): EgressProxyOptions {
  return {
    allowlist,
    hosts: { 'allowed.test': '127.0.0.1', 'denied.test': '127.0.0.1' },
    ports: [allowed.port, denied.port],
    onRefused: (r) => refusals.push(r),
  };
}

beforeAll(async () => {
  allowed = await startServer('allowed');
  denied = await startServer('denied');
});

afterAll(async () => {
  allowed.server.close();
  denied.server.close();
});

beforeEach(async () => {
  refusals = [];
  proxy = new EgressProxy(options());
  proxyPort = await proxy.listen('127.0.0.1');
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await proxy.close();
});

async function openClient(): Promise<Socket> {
  const socket = connect(proxyPort, '127.0.0.1');
  clients.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Reads up to the end of the response head; the socket is left paused with anything after it unread. */
function readHead(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(buffered.subarray(end + 4));
      resolve(buffered.subarray(0, end).toString());
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`closed before a response head: ${buffered.toString()}`)));
  });
}

/** Everything the socket receives until the other side ends it. */
async function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.resume();
  await once(socket, 'end');
  return Buffer.concat(chunks).toString();
}

/** Sends raw bytes on a new connection and returns the whole answer (the proxy closes after it). */
async function rawExchange(bytes: string): Promise<string> {
  const socket = await openClient();
  socket.write(bytes);
  return readAll(socket);
}

async function connectThrough(target: string): Promise<{ status: string; socket: Socket }> {
  const socket = await openClient();
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const head = await readHead(socket);
  return { status: head.split('\r\n')[0]!, socket };
}

/** A plain proxy request (absolute URI), as curl with http_proxy sends it. */
async function proxyGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
    get({ host: '127.0.0.1', port: proxyPort, path: url, headers, agent: false }, resolve).on('error', reject),
  );
  res.setEncoding('utf8');
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode ?? 0, body };
}

describe('hostAllowed', () => {
  it('matches exact names case-insensitively and without the trailing dot, on either side', () => {
    expect(hostAllowed('EXAMPLE.com.', ['example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['Example.COM.'])).toBe(true);
    expect(hostAllowed('www.example.com', ['example.com'])).toBe(false);
  });

  it("'*.example.com' allows subdomains only, not example.com nor a name merely ending in its text", () => {
    const list = ['*.example.com'];
    expect(hostAllowed('sub.example.com', list)).toBe(true);
    expect(hostAllowed('a.b.example.com', list)).toBe(true);
    expect(hostAllowed('Sub.EXAMPLE.com.', list)).toBe(true);
    expect(hostAllowed('example.com', list)).toBe(false);
    expect(hostAllowed('evilexample.com', list)).toBe(false);
    expect(hostAllowed('.example.com', list)).toBe(false);
    expect(hostAllowed('example.com.evil.net', list)).toBe(false);
  });

  it('allows an IP literal only when the list names it, in any spelling of IPv6', () => {
    expect(hostAllowed('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(hostAllowed('127.0.0.2', ['127.0.0.1'])).toBe(false);
    expect(hostAllowed('[::1]', ['0:0::1'])).toBe(true);
    expect(hostAllowed('10.0.0.1', ['*.0.0.1'])).toBe(false);
  });

  it('allows nothing with an empty list, and never an empty name', () => {
    expect(hostAllowed('example.com', [])).toBe(false);
    expect(hostAllowed('', ['*.example.com', ''])).toBe(false);
    expect(hostAllowed('.', ['.'])).toBe(false);
  });
});

describe('EgressProxy', () => {
  it('tunnels CONNECT to an allowed host, and a request through the tunnel reaches its server', async () => {
    const { status, socket } = await connectThrough(`allowed.test:${allowed.port}`);
    expect(status).toBe('HTTP/1.1 200 Connection Established');
    socket.write('GET /through HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n');
    const answer = await readAll(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      name: 'allowed',
      url: '/through',
    });
    expect(refusals).toEqual([]);
  });

  it('refuses CONNECT to a host not in the allowlist with 403, says how to allow it, and reports it', async () => {
    const answer = await rawExchange(`CONNECT denied.test:${denied.port} HTTP/1.1\r\nHost: allowed.test\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain('denied.test');
    expect(answer).toContain(
      `optagon frame config set <frame> '{"network":{"allowlist":["allowed.test","denied.test"]}}'`,
    );
    expect(refusals).toEqual([
      { host: 'denied.test', port: denied.port, method: 'CONNECT', reason: expect.stringContaining('allowlist') },
    ]);
  });

  it('refuses an allowed host on a port not in ports', async () => {
    const answer = await rawExchange(`CONNECT allowed.test:1 HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(refusals).toEqual([
      { host: 'allowed.test', port: 1, method: 'CONNECT', reason: expect.stringContaining('port 1') },
    ]);
  });

  it('normalises the CONNECT target before deciding (upper case, trailing dot)', async () => {
    const { status } = await connectThrough(`ALLOWED.Test.:${allowed.port}`);
    expect(status).toBe('HTTP/1.1 200 Connection Established');
  });

  it('forwards a plain GET with an absolute URI and streams the answer back', async () => {
    const { status, body } = await proxyGet(`http://allowed.test:${allowed.port}/x?y=1`);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ name: 'allowed', url: '/x?y=1' });
  });

  it('sends the URL host as Host and drops hop-by-hop headers such as Proxy-Authorization', async () => {
    const { body } = await proxyGet(`http://allowed.test:${allowed.port}/x`, {
      host: 'elsewhere.test',
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-dropped-too': 'named by Connection',
      connection: 'x-dropped-too',
      'x-kept': 'yes',
    });
    const { headers } = JSON.parse(body) as { headers: Record<string, string> };
    expect(headers.host).toBe(`allowed.test:${allowed.port}`);
    expect(headers['x-kept']).toBe('yes');
    expect(headers).not.toHaveProperty('proxy-authorization');
    expect(headers).not.toHaveProperty('x-dropped-too');
  });

  it('decides by the request target, not the Host header: a denied URL with an allowed Host is refused', async () => {
    const { status, body } = await proxyGet(`http://denied.test:${denied.port}/`, { host: 'allowed.test' });
    expect(status).toBe(403);
    expect(body).toContain('denied.test');
    expect(refusals).toMatchObject([{ host: 'denied.test', method: 'GET' }]);
  });

  it('answers 400 to a request that is not a proxy request (origin-form, https URL, userinfo)', async () => {
    expect((await proxyGet('/x')).status).toBe(400);
    expect((await proxyGet(`https://allowed.test:${allowed.port}/x`)).status).toBe(400);
    expect((await proxyGet(`http://user@allowed.test:${allowed.port}/x`)).status).toBe(400);
    expect(refusals).toEqual([]);
  });

  it.each([
    ['no port', 'allowed.test'],
    ['port 0', 'allowed.test:0'],
    ['port out of range', 'allowed.test:70000'],
    ['empty label', 'allowed..test:443'],
    ['userinfo', 'a@allowed.test:443'],
  ])('answers 400 to a CONNECT with %s', async (_what, target) => {
    const answer = await rawExchange(`CONNECT ${target} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers garbage with 400 and goes on serving', async () => {
    const answer = await rawExchange('\x00\x01 not http at all\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const { status, body } = await proxyGet(`http://allowed.test:${allowed.port}/after`);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ url: '/after' });
  });

  it('answers 502 when the allowed upstream cannot be reached', async () => {
    const closed = await startServer('closed');
    closed.server.close();
    await once(closed.server, 'close');
    proxy.update({ ...options(), ports: [closed.port] });
    const answer = await rawExchange(`CONNECT allowed.test:${closed.port} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 502 /);
    expect(answer).toContain('ECONNREFUSED');
  });

  it("a name whose DNS answer is the host's own (loopback) is refused; the frame's hosts may still name one", async () => {
    proxy.update({
      allowlist: ['localhost', 'allowed.test'],
      hosts: { 'allowed.test': '127.0.0.1' },
      ports: [allowed.port],
    });
    const answer = await rawExchange(`CONNECT localhost:${allowed.port} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 502 /);
    expect(answer).toContain('an address of the host itself');
    expect((await connectThrough(`allowed.test:${allowed.port}`)).status).toBe('HTTP/1.1 200 Connection Established');
  });

  it("isHostLocal: loopback, link-local, unspecified and the host's own addresses", () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '0.0.0.0', '169.254.169.254', 'fe80::1', '::ffff:127.0.0.1'])
      expect(isHostLocal(a), a).toBe(true);
    const own = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal)?.address;
    if (own) expect(isHostLocal(own)).toBe(true);
    for (const a of ['93.184.216.34', '10.88.0.5', '2606:4700::1111']) expect(isHostLocal(a), a).toBe(own === a);
  });

  it('update() applies to new connections', async () => {
    proxy.update(options(['denied.test']));
    expect((await connectThrough(`denied.test:${denied.port}`)).status).toBe('HTTP/1.1 200 Connection Established');
    expect((await connectThrough(`allowed.test:${allowed.port}`)).status).toMatch(/^HTTP\/1\.1 403 /);
    expect(refusals).toMatchObject([{ host: 'allowed.test' }]);
  });

  it('update() closes an open tunnel to a host it no longer allows and keeps the others', async () => {
    const revoked = (await connectThrough(`allowed.test:${allowed.port}`)).socket;
    proxy.update(options(['allowed.test', 'denied.test']));
    const kept = (await connectThrough(`denied.test:${denied.port}`)).socket;
    const revokedClosed = once(revoked, 'close');
    revoked.resume();
    proxy.update(options(['denied.test']));
    await revokedClosed;
    kept.write('GET /still HTTP/1.1\r\nHost: denied.test\r\nConnection: close\r\n\r\n');
    expect(await readAll(kept)).toContain('"url":"/still"');
  });

  it('close() ends an open tunnel', async () => {
    const { status, socket } = await connectThrough(`allowed.test:${allowed.port}`);
    expect(status).toBe('HTTP/1.1 200 Connection Established');
    const closed = once(socket, 'close');
    socket.resume();
    await proxy.close();
    await closed;
  });

  it(`answers 503 to the connection after ${MAX_CONNECTIONS} open ones`, async () => {
    // Each tunnel is a client connection held open; the kernel hands connections over in order.
    const open = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS }, () => connectThrough(`allowed.test:${allowed.port}`)),
    );
    expect(open.every((t) => t.status === 'HTTP/1.1 200 Connection Established')).toBe(true);
    const answer = await rawExchange(`CONNECT allowed.test:${allowed.port} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
  });
});
