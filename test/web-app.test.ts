import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDatabase } from '../servers/shared/state-database.js';
import type Database from 'better-sqlite3';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { AuthService } from '../web/auth/auth-service.js';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';

const PASSWORD = 'correct horse battery staple';
/** Screenshots of the main screens, to look at after a run; never committed (.gitignore). */
const SHOTS = join(process.cwd(), 'test-results', 'screens');

/**
 * The web dashboard in real Chromium (playwright-core, Debian's /usr/bin/chromium) against a real
 * daemon and real frames: what a person does on a desktop and on a phone.
 */
describe('web dashboard (real Chromium, real daemon)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  let browser: Browser;
  let db: Database.Database;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    home = new DaemonHome(33520);
    daemon = await DaemonProcess.start(home);
    const paths = new OptagonHome(home.root);
    db = openStateDatabase(paths.database);
    await new AuthService(db, paths.jwtKeyFile).passwords.set(PASSWORD);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    db?.close();
    await daemon?.stop();
    await home?.cleanup();
  });

  const logIn = async (page: Page, password = PASSWORD) => {
    await page.goto(daemon.url);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };
  const frameRow = (page: Page, name: string) => page.locator(`li.frame[data-frame="${name}"]`);
  /** The text of the open terminal (xterm's buffer, through the page's debug hook). */
  const screen = (page: Page) =>
    page.evaluate(() =>
      [...((window as unknown as { optagonScreens?: Map<string, () => string> }).optagonScreens?.values() ?? [])]
        .map((f) => f())
        .join('\n'),
    );
  const typeInTerminal = async (page: Page, text: string) => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  };

  it('log in → create and start a frame → its terminal echoes → stop it, and the status changes on the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Terminal sockets pass through a route that can cut them, as a flaky network would.
    const sockets: Array<{ close(o: { code: number; reason: string }): Promise<void> }> = [];
    await page.routeWebSocket(/\/ws$/, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    await logIn(page, 'not the password at all');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong credentials');
    await page.screenshot({ path: join(SHOTS, 'login-desktop.png') });
    await logIn(page);
    await page.getByLabel('new frame name').fill('web');
    await page.getByLabel('workspace path').fill(home.workspace('web'));
    await page.getByRole('button', { name: 'Create' }).click();
    const row = frameRow(page, 'web');
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('created');
    await row.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 60_000 }).toBe('running');
    await row.getByRole('button', { name: 'Terminal' }).click();
    await expect.poll(() => screen(page), { timeout: 20_000 }).toMatch(/\/workspace/); // the prompt
    await typeInTerminal(page, 'echo hello-$((6*7))');
    await expect.poll(() => screen(page), { timeout: 10_000 }).toContain('hello-42');
    await page.screenshot({ path: join(SHOTS, 'terminal-desktop.png') });
    // The connection drops: the page reconnects by itself and the screen comes back.
    await sockets.at(-1)!.close({ code: 4000, reason: 'network gone' });
    await expect
      .poll(() => page.locator('.terminal-status').first().textContent(), { timeout: 5_000 })
      .toMatch(/reconnecting|connecting/);
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => page.locator('.terminal-status').first().textContent(), { timeout: 10_000 }).toBe('');
    // Never blank in between: the old screen stays until the new attach draws its own.
    expect(await screen(page)).toContain('hello-42');
    await typeInTerminal(page, 'echo again-$((6*8))');
    await expect.poll(() => screen(page), { timeout: 10_000 }).toContain('again-48');
    // By now the terminal was reset for the new attach, whose screen and history brought this back.
    expect(await screen(page)).toContain('hello-42');
    // Stopped elsewhere (another client): the page hears it through frames://list, no reload.
    await daemon.ok('frame_stop', { frame: 'web' });
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('stopped');
    await expect
      .poll(() => page.locator('.terminal-status').first().textContent(), { timeout: 10_000 })
      .toMatch(/Reattach/);
    // And from the page itself.
    await row.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 60_000 }).toBe('running');
    await row.getByRole('button', { name: 'Details' }).click();
    await expect.poll(() => page.locator('.windows li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'details-desktop.png') });
    // A window from the picker opens as a terminal tab of its own, attached to that window.
    await page.locator('.windows li button').first().click();
    await expect.poll(() => page.locator('.tab-bar [role=tab]').count()).toBe(3); // web, web details, web:zsh
    await expect
      .poll(() => page.locator('.terminal-pane[style*="flex"] .terminal-status').textContent(), { timeout: 10_000 })
      .toBe('');
    // The frame's log, live, with a search that narrows it.
    await row.getByRole('button', { name: 'Logs' }).click();
    await expect.poll(() => page.locator('.logs-bar').textContent(), { timeout: 10_000 }).toMatch(/[1-9]\d* lines/);
    await page.getByLabel('search the log').fill('no line holds this');
    await expect.poll(() => page.locator('.logs-bar').textContent()).toMatch(/0 of [1-9]\d* lines/);
    await row.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 30_000 }).toBe('stopped');
    await page.screenshot({ path: join(SHOTS, 'frames-desktop.png') });
    await page.close();
  }, 180_000);

  it('on a phone (390×844) the key bar sends Ctrl-C to a running sleep, and the prompt returns', async () => {
    await daemon.ok('frame_start', { frame: 'web' });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await logIn(page);
    const row = frameRow(page, 'web');
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('running');
    await page.screenshot({ path: join(SHOTS, 'frames-phone.png') });
    await row.getByRole('button', { name: 'Terminal' }).click();
    await expect.poll(() => screen(page), { timeout: 20_000 }).toMatch(/\/workspace/);
    await typeInTerminal(page, 'sleep 100; echo slept-$((2*2))');
    await page.waitForTimeout(500);
    await page.getByRole('toolbar', { name: 'terminal keys' }).getByRole('button', { name: 'Ctrl' }).tap();
    await page.keyboard.type('c');
    await typeInTerminal(page, 'echo back-$((1+2))');
    await expect.poll(() => screen(page), { timeout: 10_000 }).toContain('back-3');
    expect(await screen(page)).not.toContain('slept-4');
    await page.screenshot({ path: join(SHOTS, 'terminal-phone.png') });
    await page.close();
  }, 120_000);

  it('an expired session goes back to the login page, saying so', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(daemon.url);
    const key = Buffer.from(readFileSync(new OptagonHome(home.root).jwtKeyFile, 'utf8'), 'base64');
    const expired = await new SignJWT({ perms: ['read', 'write', 'manage'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('password')
      .setIssuer('optagon')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 1000)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    // The page still believes in it (its clock says it has minutes left); the daemon does not.
    await page.evaluate(
      (jwt) =>
        sessionStorage.setItem(
          'optagon.session',
          JSON.stringify({ jwt, expiresAt: Date.now() + 600_000, permissions: ['read', 'write', 'manage'] }),
        ),
      expired,
    );
    await page.reload();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 10_000 })
      .toMatch(/the session expired: log in again/);
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
    await page.close();
  }, 60_000);
});
