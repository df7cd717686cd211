import { execa } from 'execa';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { openStateDatabase } from '../servers/shared/state-database.js';
import { AuthService } from '../web/auth/auth-service.js';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { FakeAnthropic, writeFileRule, isAgentTurn, lastUserText } from './support/fake-anthropic.js';

const PASSWORD = 'correct horse battery staple';
const COMMENT = 'Name the constant in capitals.';
/** A change whose text is markup: the page must show it, never run it. */
const CHANGED = 'export const answer = 42; // <img src=x onerror="window.pwned=1">';

const fake = new FakeAnthropic([
  writeFileRule,
  { name: 'anything else', when: (r) => isAgentTurn(r), reply: { text: 'Noted.' } },
]);

/**
 * Reviewing an agent's work from the web page, in real Chromium against a real daemon, frame and
 * `claude`: its diff highlighted, a line comment the agent receives, checkpoint and merge, the
 * buttons as the session's permissions allow, and on a phone.
 */
describe('agent review on the web page (real Chromium, daemon, podman, claude)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  let browser: Browser;
  let db: Database.Database;
  let auth: AuthService;
  let ws: string;

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), 'test-results', 'screens'), { recursive: true });
    await fake.start();
    home = new DaemonHome(33580);
    daemon = await DaemonProcess.start(home);
    const paths = new OptagonHome(home.root);
    db = openStateDatabase(paths.database);
    auth = new AuthService(db, paths.jwtKeyFile);
    await auth.passwords.set(PASSWORD);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    ws = home.workspace('rv');
    await daemon.ok('frame_create', { name: 'rv', workspace: ws });
    await daemon.ok('frame_config_set', {
      frame: 'rv',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
      },
    });
    const { frame } = await daemon.ok('frame_start', { frame: 'rv' });
    await execa('podman', [
      'exec',
      frame.containerName,
      'sh',
      '-c',
      "cd /workspace && printf 'export const answer = 41;\\n' > app.ts && git init -q -b main && git add app.ts && " +
        'git -c user.name=u -c user.email=u@example.com commit -qm first',
    ]);
    await daemon.ok('agent_spawn', { frame: 'rv', name: 'a', task: `Write '${CHANGED}' into /worktrees/a/app.ts` });
    await daemon.ok('agent_wait', { agent: 'rv/a', until: 'idle', timeout_ms: 120_000 });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    db?.close();
    await daemon?.stop();
    await home?.cleanup();
    await fake.close();
  });

  /** A page logged in with the password (every permission) or a device token. */
  const open = async (viewport: { width: number; height: number }, token?: string) => {
    const page = await browser.newPage({ viewport });
    await page.goto(daemon.url);
    if (token) {
      await page.getByRole('tab', { name: 'Device token' }).click();
      await page.getByLabel('Token').fill(token);
    } else {
      await page.getByLabel('Password').fill(PASSWORD);
    }
    await page.getByRole('button', { name: 'Log in' }).click();
    const row = page.locator('li.frame[data-frame="rv"]');
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('running');
    await row.getByRole('button', { name: 'Details' }).click();
    await page.getByRole('button', { name: 'Review' }).click();
    await expect.poll(() => page.locator('.diff-file').count(), { timeout: 20_000 }).toBe(1);
    return page;
  };
  const buttons = async (page: Page) =>
    (await page.locator('.review-actions button').allTextContents()).map((t) => t.trim());

  it('shows the diff highlighted and as text; a line comment reaches the agent with its file and line', async () => {
    const page = await open({ width: 1280, height: 800 });
    const added = page.locator('.diff-file tr.line.add');
    await expect.poll(() => added.count()).toBe(1);
    expect(await added.locator('td.code').textContent()).toBe(CHANGED);
    expect(await page.locator('.diff-file tr.line.del td.code').textContent()).toBe('export const answer = 41;');
    expect(await added.locator('.hljs-keyword').first().textContent()).toBe('export'); // highlighted as TypeScript
    expect(await page.locator('.diff-file img').count()).toBe(0); // the markup stayed text
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.diff-file summary').textContent()).toMatch(/app\.ts\s*\+1\s*−1/);
    expect(await buttons(page)).toEqual(['Open window', 'Refresh', 'Checkpoint', 'Merge', 'Discard']);
    await page.screenshot({ path: join(process.cwd(), 'test-results', 'screens', 'review-desktop.png') });

    const sent = fake.requests.length;
    await added.click();
    await page.getByLabel('comment on app.ts line 1').fill(COMMENT);
    await page.getByRole('button', { name: 'Send to agent' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('comment sent to rv/a');
    expect(await page.locator('tr.sent-comment').textContent()).toBe(`comment sent: ${COMMENT}`);
    await expect
      .poll(() => fake.requests.slice(sent).map(lastUserText).join('\n'), { timeout: 60_000 })
      .toContain(`Review comment on app.ts, line 1: ${COMMENT}`);
    await daemon.ok('agent_wait', { agent: 'rv/a', until: 'idle', timeout_ms: 120_000 });
    await page.close();
  }, 180_000);

  it('a read-only session sees the diff and no buttons that change it; a write session has no Discard', async () => {
    const reader = await open(
      { width: 1280, height: 800 },
      auth.tokens.create({ name: 'reader', permissions: ['read'] }).token,
    );
    expect(await buttons(reader)).toEqual(['Open window', 'Refresh']);
    await reader.locator('.diff-file tr.line.add').click();
    expect(await reader.locator('tr.comment-row').count()).toBe(0); // no comment box either
    await reader.close();
  }, 120_000);

  it('on a phone (390×844) the review fits the screen; Checkpoint and Merge bring the work into main', async () => {
    const { token } = auth.tokens.create({ name: 'phone', permissions: ['read', 'write'] });
    const page = await open({ width: 390, height: 844 }, token);
    expect(await buttons(page)).toEqual(['Open window', 'Refresh', 'Checkpoint', 'Merge']);
    // Long lines scroll inside their file; the page itself is never wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('.diff-file').boundingBox()).toMatchObject({ width: expect.any(Number) });
    expect((await page.locator('.diff-file').boundingBox())!.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(process.cwd(), 'test-results', 'screens', 'review-phone.png') });

    await page.getByRole('button', { name: 'Checkpoint' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(/^checkpoint [0-9a-f]{12} on optagon\/a$/);
    await page.getByRole('button', { name: 'Merge' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(/^merged into main as [0-9a-f]{12}$/);
    expect(readFileSync(join(ws, 'app.ts'), 'utf8')).toBe(`${CHANGED}\n`);
    await expect.poll(() => page.locator('.review').textContent(), { timeout: 10_000 }).toContain('no changes yet');
    await page.close();
  }, 180_000);
});
