import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './support/daemon-process.js';
import { waitFor } from './support/test-home.js';

/** GET over https that accepts the daemon's self-signed certificate (a client that pinned it would). */
function httpsGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        const peer = (
          res.socket as unknown as { getPeerCertificate(detailed: boolean): { raw: Buffer } }
        ).getPeerCertificate(true);
        res
          .on('data', (d) => (body += d))
          .on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body, cert: peer.raw.toString('base64') }),
          );
      },
    );
    req.on('error', reject).end();
  });
}

/** Beyond loopback the daemon serves TLS only, with a self-signed certificate it makes and keeps. */
describe('daemon over TLS', () => {
  const home = mkdtempSync(join(tmpdir(), 'optagon-tls-'));
  let proc: ChildProcess;
  let port: number;
  beforeAll(async () => {
    writeFileSync(join(home, 'config.yaml'), 'daemon:\n  host: 0.0.0.0\n');
    proc = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      env: { ...process.env, OPTAGON_HOME: home },
      stdio: 'ignore',
    });
    port = (await waitFor(
      'the daemon to listen',
      async () =>
        existsSync(join(home, 'run', 'daemon.json')) &&
        (JSON.parse(readFileSync(join(home, 'run', 'daemon.json'), 'utf8')) as { port: number }).port,
      30_000,
    )) as number;
  }, 60_000);
  afterAll(() => {
    proc?.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  });

  it('answers https with HSTS, with a certificate for this machine kept under tls/ (key 0600)', async () => {
    const r = await httpsGet(port, '/health');
    expect(r.status).toBe(200);
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000');
    const cert = new X509Certificate(readFileSync(join(home, 'tls', 'cert.pem')));
    expect(Buffer.from(r.cert, 'base64').equals(cert.raw)).toBe(true);
    expect(cert.subjectAltName).toMatch(/DNS:localhost/);
    expect(cert.subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
    expect(statSync(join(home, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    // The token still guards everything else.
    expect((await httpsGet(port, '/api/status')).status).toBe(401);
    const token = readFileSync(join(home, 'daemon.token'), 'utf8').trim();
    expect((await httpsGet(port, '/api/status', { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('the local CLI goes through it over https, pinning the certificate the daemon names in its run file', async () => {
    const { execa } = await import('execa');
    const env = { ...process.env, OPTAGON_HOME: home, NO_COLOR: '1' };
    const runFile = JSON.parse(readFileSync(join(home, 'run', 'daemon.json'), 'utf8')) as {
      tls: boolean;
      certFile: string;
    };
    expect(runFile).toMatchObject({ tls: true, certFile: join(home, 'tls', 'cert.pem') });
    const list = await execa('node', [CLI, '--json', 'frame', 'list'], { env, reject: false });
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toMatchObject({ frames: [] });
    const status = await execa('node', [CLI, 'daemon', 'status'], { env, reject: false });
    expect(status.stdout).toMatch(/running at https:\/\/127\.0\.0\.1:\d+/);
    // A call that reports progress goes over MCP (the SDK's transport, through the pinned fetch).
    const build = await execa('node', [CLI, '--json', 'image', 'build'], { env, reject: false });
    expect(build.exitCode, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout)).toMatchObject({ skipped: true });
  });

  it('a certificate other than the pinned one is refused with a clear error', async () => {
    const { execa } = await import('execa');
    const other = mkdtempSync(join(tmpdir(), 'optagon-tls-other-'));
    try {
      // Another certificate file named in the run file: the daemon's real one no longer matches.
      const runFile = JSON.parse(readFileSync(join(home, 'run', 'daemon.json'), 'utf8')) as Record<string, unknown>;
      const { generate } = (await import('selfsigned')).default;
      const pems = await generate([{ name: 'commonName', value: 'impostor' }], { keySize: 2048, algorithm: 'sha256' });
      writeFileSync(join(other, 'cert.pem'), pems.cert);
      mkdirSync(join(other, 'run'));
      writeFileSync(
        join(other, 'run', 'daemon.json'),
        JSON.stringify({ ...runFile, certFile: join(other, 'cert.pem') }),
      );
      writeFileSync(join(other, 'daemon.token'), readFileSync(join(home, 'daemon.token')));
      const r = await execa('node', [CLI, 'frame', 'list'], {
        env: { ...process.env, OPTAGON_HOME: other },
        reject: false,
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/presented a certificate other than .*cert\.pem/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses plain http on that port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = plainRequest({ host: '127.0.0.1', port, path: '/health' }, (res) =>
        resolve(`answered ${res.statusCode}`),
      );
      req
        .on('error', (err) => resolve(`failed: ${err.message}`))
        .setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    expect(outcome).not.toMatch(/^answered 200/);
  });
});
