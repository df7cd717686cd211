import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './support/daemon-process.js';
import { waitFor } from './support/test-home.js';

/** GET over https that accepts the daemon's self-signed certificate (a client that pinned it would). */
function httpsGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      const peer = (res.socket as unknown as { getPeerCertificate(detailed: boolean): { raw: Buffer } }).getPeerCertificate(true);
      res.on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, cert: peer.raw.toString('base64') }));
    });
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
    proc = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env: { ...process.env, OPTAGON_HOME: home }, stdio: 'ignore' });
    port = (await waitFor('the daemon to listen', async () => existsSync(join(home, 'run', 'daemon.json')) && (JSON.parse(readFileSync(join(home, 'run', 'daemon.json'), 'utf8')) as { port: number }).port, 30_000)) as number;
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

  it('the local CLI says it cannot reach a TLS daemon yet, and what to do', async () => {
    const { execa } = await import('execa');
    const r = await execa('node', [CLI, 'frame', 'list'], { env: { ...process.env, OPTAGON_HOME: home }, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/the daemon serves TLS \(on 0\.0\.0\.0\).*add --embedded/);
  });

  it('refuses plain http on that port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = plainRequest({ host: '127.0.0.1', port, path: '/health' }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(`failed: ${err.message}`)).setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    expect(outcome).not.toMatch(/^answered 200/);
  });
});
