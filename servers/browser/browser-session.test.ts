import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostReach } from './browser-reach.js';
import { BrowserSession } from './browser-session.js';

describe('browser session', () => {
  it('a missing Chromium is an error that says how to install it or where to point', async () => {
    const session = new BrowserSession({ executablePath: '/nowhere/chromium', timeoutMs: 1000 });
    await expect(session.navigate('http://127.0.0.1/')).rejects.toThrow(
      'Chromium is not installed at /nowhere/chromium: install it with `apt-get install chromium` (Debian/Ubuntu), or set browser.executable_path in config.yaml',
    );
    expect(session.console(10)).toEqual([]);
    await session.close();
  });

  it("where Chromium's sandbox cannot start, it runs without it (still unprivileged) and says so", async () => {
    // A Chromium as on a machine without user namespaces: it refuses to start sandboxed.
    const dir = mkdtempSync(join(tmpdir(), 'optagon-nosandbox-'));
    chmodSync(dir, 0o755);
    const fake = join(dir, 'chromium');
    writeFileSync(
      fake,
      '#!/bin/sh\ncase " $* " in *" --no-sandbox "*) exec /usr/bin/chromium "$@";; esac\necho "[0:0:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox!" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const session = new BrowserSession({ executablePath: fake, timeoutMs: 2000 });
    try {
      expect(await session.navigate('data:text/html,<title>t</title>').catch((e: Error) => e.message)).toMatchObject({
        title: 't',
      });
      expect(session.sandboxed).toBe(false);
      const procs = descendants(process.pid);
      expect(procs.length).toBeGreaterThan(0);
      for (const p of procs) expect(p.uid, `pid ${p.pid}`).not.toBe(0);
    } finally {
      await session.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Proc {
  pid: number;
  ppid: number;
  uid: number;
  userNs: string;
  env: string[];
}

/** Every process below `root` (Chromium, its zygotes and renderers), read from /proc. */
function descendants(root: number): Proc[] {
  const all: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      all.push({
        pid: Number(d),
        ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
        uid: Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))![1]),
        userNs: readlinkSync(`/proc/${d}/ns/user`),
        env: readFileSync(`/proc/${d}/environ`, 'utf8').split('\0'),
      });
    } catch {
      // gone meanwhile
    }
  }
  const found: Proc[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

describe('host Chromium: whom it runs as, what it holds, where it may go', () => {
  const SECRET = 'sk-ant-api03-not-for-chromium';
  let site: Server;
  let daemon: Server;
  let sitePort: number;
  let daemonPort: number;
  const daemonHits: string[] = [];
  let session: BrowserSession;

  beforeAll(async () => {
    // A stand-in for the daemon (or any service on the host's loopback) that records what reaches it.
    daemon = createServer((req, res) => {
      daemonHits.push(req.url!);
      res.end('{"token":"secret"}');
    });
    await new Promise<void>((resolve) => daemon.listen(0, '127.0.0.1', () => resolve()));
    daemonPort = (daemon.address() as { port: number }).port;
    // A frame's app, which tries to send the browser to the daemon every way a page can.
    site = createServer((req, res) => {
      if (req.url === '/redirect')
        return void res.writeHead(302, { location: `http://127.0.0.1:${daemonPort}/by-redirect` }).end();
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<title>App</title><img src="http://127.0.0.1:${daemonPort}/by-img"><iframe src="http://localhost:${daemonPort}/by-iframe"></iframe>`,
        );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
    sitePort = (site.address() as { port: number }).port;
    process.env.ANTHROPIC_API_KEY = SECRET;
    session = new BrowserSession({
      executablePath: '/usr/bin/chromium',
      timeoutMs: 2000,
      reach: hostReach({ framePorts: () => [sitePort], bindAddress: '127.0.0.1', allowedOrigins: [] }),
    });
  });
  afterAll(async () => {
    delete process.env.ANTHROPIC_API_KEY;
    await session.close();
    site.close();
    daemon.close();
  });

  it("opens a frame's port; runs as an unprivileged user, sandboxed, without this process's environment", async () => {
    expect(await session.navigate(`http://127.0.0.1:${sitePort}/`)).toMatchObject({ status: 200, title: 'App' });
    const procs = descendants(process.pid);
    expect(procs.length).toBeGreaterThan(2);
    for (const p of procs) {
      expect(p.uid, `pid ${p.pid}`).not.toBe(0);
      expect(p.env.join('\n'), `pid ${p.pid}`).not.toContain(SECRET);
    }
    if (process.getuid?.() === 0) expect(new Set(procs.map((p) => p.uid))).toEqual(new Set([65534]));
    // Chromium's sandbox puts renderers in a user namespace of their own (on this machine it works).
    expect(session.sandboxed).toBe(true);
    expect(procs.some((p) => p.userNs !== readlinkSync('/proc/self/ns/user'))).toBe(true);
  });

  it('refuses the daemon by URL, by redirect, by subresource and by fetch; the daemon sees nothing', async () => {
    await expect(session.navigate(`http://127.0.0.1:${daemonPort}/api/status`)).rejects.toThrow(
      `the host's browser does not open http://127.0.0.1:${daemonPort}: it opens the running frames' ports (http://127.0.0.1:${sitePort}) only. To allow another origin, add it to browser.allowed_origins in config.yaml`,
    );
    await expect(session.navigate(`http://localhost:${sitePort}/redirect`)).rejects.toThrow(
      new RegExp(
        `^could not load http://localhost:${sitePort}/redirect: it led to 127\\.0\\.0\\.1:${daemonPort} \\(a redirect or a request of the page\\), where the host's browser does not connect`,
      ),
    );
    await session.navigate(`http://127.0.0.1:${sitePort}/`);
    expect(
      await session.evaluate(`fetch('http://127.0.0.1:${daemonPort}/by-fetch').then((r) => r.status, () => 'refused')`),
    ).toBe('refused');
    expect(
      await session.evaluate(
        `new Promise((done) => { const w = new WebSocket('ws://127.0.0.1:${daemonPort}/by-ws'); w.onerror = () => done('refused'); w.onopen = () => done('open'); })`,
      ),
    ).toBe('refused');
    expect(daemonHits).toEqual([]);
  });
});
