import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { openStateDatabase } from '../servers/shared/state-database.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { AuthService } from '../web/auth/auth-service.js';
import type { BenchHome } from './bench-home.js';
import { stats } from './measure.js';
import type { Figure } from './report.js';
import { startWetty } from './terminal-clients.js';

const ROUNDS = 10;
const PASSWORD = 'benchmark password, long enough';
const fromDist = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Gzipped size of the JavaScript and CSS a page loads from a directory (what a phone downloads). */
function gzippedAssets(dir: string, files: string[]): number {
  return files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
}

/**
 * The web dashboard against wetty's page on the same frame: from navigation to the first prompt
 * painted (ours: the page with a session, the frame's Terminal clicked as soon as it shows; wetty:
 * its page, which opens the terminal by itself), each in a fresh browser context (cold cache), in
 * alternating rounds; and the gzipped JavaScript and CSS each page loads.
 */
export async function benchWebApp(home: BenchHome, frame: string, socket: string): Promise<Figure[]> {
  const daemon = home.daemon();
  const paths = new OptagonHome(home.root);
  const db = openStateDatabase(paths.database);
  await new AuthService(db, paths.jwtKeyFile).passwords.set(PASSWORD);
  db.close();
  const login = (await (
    await fetch(`${daemon.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    })
  ).json()) as { jwt: string; expiresAt: string };
  const session = JSON.stringify({
    jwt: login.jwt,
    expiresAt: Date.parse(login.expiresAt),
    permissions: ['read', 'write', 'manage'],
  });
  const wetty = await startWetty(socket);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const ours: number[] = [];
  const click: number[] = [];
  const theirs: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.addInitScript((s) => sessionStorage.setItem('optagon.session', s), session);
        const page = await context.newPage();
        await page.goto(daemon.url);
        const button = page.locator(`li.frame[data-frame="${frame}"]`).getByRole('button', { name: 'Terminal' });
        await button.waitFor();
        const clickedAt = await page.evaluate(() => performance.now());
        await button.click();
        await page.waitForFunction(
          () =>
            [
              ...((window as unknown as { optagonScreens?: Map<string, () => string> }).optagonScreens?.values() ?? []),
            ].some((f) => f().includes('/workspace')),
          null,
          { polling: 'raf', timeout: 20_000 },
        );
        const paintedAt = await page.evaluate(() => performance.now());
        ours.push(paintedAt);
        click.push(paintedAt - clickedAt);
        await context.close();
      }
      {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(wetty.url);
        await page.waitForFunction(
          () => {
            const term = (
              window as unknown as {
                wetty_term?: {
                  rows: number;
                  buffer: {
                    active: { viewportY: number; getLine(i: number): { translateToString(): string } | undefined };
                  };
                };
              }
            ).wetty_term;
            if (!term) return false;
            const buf = term.buffer.active;
            for (let i = 0; i < term.rows; i++)
              if (
                buf
                  .getLine(buf.viewportY + i)
                  ?.translateToString()
                  .includes('/workspace')
              )
                return true;
            return false;
          },
          null,
          { polling: 'raf', timeout: 20_000 },
        );
        theirs.push(await page.evaluate(() => performance.now()));
        await context.close();
      }
    }
  } finally {
    await browser.close();
    wetty.stop();
  }
  const ourDir = fromDist('dist/web/app/assets');
  const wettyDir = fromDist('node_modules/wetty/build/client');
  const ourBytes = gzippedAssets(
    ourDir,
    readdirSync(ourDir).filter((f) => /\.(js|css)$/.test(f)),
  );
  const wettyBytes = gzippedAssets(
    wettyDir,
    readdirSync(wettyDir).filter((f) => /^wetty\.(js|css)$/.test(f)),
  );
  return [
    { name: 'web: page opened → first prompt painted', ours: stats(ours), peer: stats(theirs), peerName: 'wetty' },
    {
      name: 'web: Terminal clicked → first prompt painted',
      ours: stats(click),
      peer: stats(theirs),
      peerName: 'wetty (whole page)',
    },
    {
      name: 'web: JS + CSS the page loads, gzip',
      ours: stats([ourBytes]),
      peer: stats([wettyBytes]),
      peerName: 'wetty',
      kind: 'bytes',
    },
  ];
}
