import { mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../servers/shared/package-root.js';
import { send, useDaemonApp } from './app-fixture.js';

// The routes besides the tools: /health, and the web page with its headers.
useDaemonApp();

describe('/health', () => {
  it('answers 200 without a token', async () => {
    const res = await send('/health', { method: 'GET', headers: { authorization: undefined } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, version: '0.1.0', pid: process.pid });
    expect(typeof body.uptimeMs).toBe('number');
  });

  it('still enforces Host', async () => {
    const res = await send('/health', {
      method: 'GET',
      headers: { authorization: undefined, host: 'evil.example:8443' },
    });
    expect(res.status).toBe(403);
  });

  it('still enforces Origin', async () => {
    const res = await send('/health', {
      method: 'GET',
      headers: { authorization: undefined, origin: 'http://evil.example' },
    });
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
    expect(page.headers.get('content-security-policy')).toMatch(
      /default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/,
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await send(asset, { method: 'GET', headers: { authorization: undefined } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    for (const path of [
      '/assets/../../../package.json',
      '/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/nothing.js',
    ]) {
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
