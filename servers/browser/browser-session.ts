import { existsSync } from 'node:fs';
import type { BrowserContext, CDPSession, Page, Request } from 'playwright-core';
import { navigationRefusal, type BrowserReach } from './browser-reach.js';
import { chromiumLaunch } from './chromium-user.js';
import { SocksGuard } from './socks-guard.js';

/** Chromium's own traffic kept off a network these machines cannot reach (updates, sync, metrics, safe browsing). */
const QUIET_FLAGS = [
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  '--safebrowsing-disable-auto-update',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
];
/** WebRTC may not send UDP around the proxy (the only traffic a SOCKS proxy would not see). */
const GUARDED_FLAGS = ['--force-webrtc-ip-handling-policy=disable_non_proxied_udp'];
/** What Chromium says when its sandbox cannot start here (no user namespaces, e.g. in a container). */
const NO_SANDBOX = /No usable sandbox|sandbox.*(?:not|fail)|Failed to move to new namespace|setuid sandbox/i;

/** Screenshots larger than this (either side, in pixels) are scaled down to it, as is one of more pixels than MAX_PIXELS. */
export const MAX_SIDE = 2000;
const MAX_PIXELS = 2_000_000;
const CONSOLE_KEPT = 200;
const VIEWPORT = { width: 1280, height: 800 };

/** Below 1 when an area is over the limits: the factor that brings it within them. */
const scaleFor = (a: { width: number; height: number }) =>
  Math.min(1, MAX_SIDE / a.width, MAX_SIDE / a.height, Math.sqrt(MAX_PIXELS / (a.width * a.height)));
const fits = (a: { width: number; height: number }) => scaleFor(a) === 1;

export interface BrowserOptions {
  executablePath: string;
  /** How long a click, type or screenshot waits for its selector. */
  timeoutMs: number;
  /**
   * Where the browser may connect (the host's browser: frames' ports and browser.allowed_origins).
   * Unset: anywhere, for the in-frame server, whose frame is the boundary.
   */
  reach?: BrowserReach;
  /** The user Chromium runs as when this process is root (browser.run_as). Default nobody. */
  runAs?: string;
}

export interface Shot {
  png: Buffer;
  width: number;
  height: number;
  /** Below 1 when the image was scaled down to fit MAX_SIDE / MAX_PIXELS. */
  scale: number;
}

export interface ConsoleMessage {
  at: number;
  type: string;
  text: string;
}

/**
 * One headless Chromium per process, started on first use, with one page that every tool works on
 * (as a person's single tab): navigate, look (screenshot, accessibility snapshot), act (click,
 * type, scroll), evaluate, and read the console.
 */
export class BrowserSession {
  private context?: Promise<BrowserContext>;
  private page?: Page;
  private guard?: SocksGuard;
  private cleanup?: () => void;
  private readonly messages: ConsoleMessage[] = [];
  private session?: { page: Page; cdp: Promise<CDPSession> };
  /** Whether Chromium runs with its own sandbox (known once it has started). */
  sandboxed?: boolean;

  constructor(private readonly options: BrowserOptions) {}

  private async open(): Promise<Page> {
    if (this.page && !this.page.isClosed()) return this.page;
    const { executablePath } = this.options;
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium is not installed at ${executablePath}: install it with \`apt-get install chromium\` (Debian/Ubuntu), or set browser.executable_path in config.yaml (OPTAGON_CHROMIUM for the in-frame server)`,
      );
    }
    this.context ??= this.launch().catch((err: Error) => {
      this.context = undefined;
      void this.release();
      throw new Error(`Chromium (${executablePath}) did not start: ${err.message.split('\n')[0]}`);
    });
    const context = await this.context;
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(this.options.timeoutMs);
    page.on('console', (m) => this.remember(m.type(), m.text()));
    page.on('pageerror', (e) => this.remember('pageerror', e.message));
    this.page = page;
    return page;
  }

  /**
   * Chromium as an unprivileged user (see chromium-user.ts) with a plain environment, behind the
   * reach guard when there is one, and with its own sandbox where this machine allows it.
   */
  private async launch(): Promise<BrowserContext> {
    // In a frame, playwright-core is the image's global install, named by OPTAGON_PLAYWRIGHT (see claude-config.ts).
    const playwright = process.env.OPTAGON_PLAYWRIGHT ?? 'playwright-core';
    const { chromium } = (await import(playwright)) as typeof import('playwright-core');
    const run = chromiumLaunch(this.options.executablePath, this.options.runAs ?? 'nobody');
    this.cleanup = run.cleanup;
    if (this.options.reach) this.guard = await SocksGuard.start(this.options.reach);
    const start = (sandbox: boolean) =>
      chromium.launchPersistentContext(run.userDataDir, {
        executablePath: run.executablePath,
        headless: true,
        chromiumSandbox: sandbox,
        env: run.env,
        viewport: VIEWPORT,
        args: [...QUIET_FLAGS, ...(this.guard ? GUARDED_FLAGS : [])],
        ...(this.guard ? { proxy: { server: this.guard.url } } : {}),
      });
    try {
      const context = await start(true);
      this.sandboxed = true;
      return context;
    } catch (err) {
      if (!NO_SANDBOX.test((err as Error).message)) throw err;
      // No user namespaces here (a container, a locked-down kernel): the user Chromium runs as,
      // and the frame or the guard, are then what contain it.
      this.sandboxed = false;
      return start(false);
    }
  }

  private async release(): Promise<void> {
    const guard = this.guard;
    this.guard = undefined;
    await guard?.close();
    this.cleanup?.();
    this.cleanup = undefined;
  }

  private remember(type: string, text: string): void {
    this.messages.push({ at: Date.now(), type, text });
    if (this.messages.length > CONSOLE_KEPT) this.messages.shift();
  }

  async navigate(url: string): Promise<{ url: string; status: number | null; title: string }> {
    const refusal = this.options.reach ? navigationRefusal(url, this.options.reach) : '';
    if (refusal) throw new Error(refusal);
    const page = await this.open();
    const started = Date.now();
    // Where the page itself asked to go (redirects included): Chromium makes requests of its own
    // (update.googleapis.com, even told not to), which the guard refuses too and must not be named.
    const asked = new Set<string>();
    const onRequest = (request: Request) => {
      const target = hostAndPort(request.url());
      if (target) asked.add(target);
    };
    page.on('request', onRequest);
    let response;
    try {
      response = await page.goto(url, { waitUntil: 'load' });
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0]!.replace(/^page\.goto: /, '');
      // Chromium commits its error page after goto gives up; the next navigation must not race it.
      await page
        .waitForURL((u) => u.protocol === 'chrome-error:', { timeout: 2000, waitUntil: 'commit' })
        .catch(() => {});
      // Behind the guard Chromium only says ERR_SOCKS_CONNECTION_FAILED; the guard knows why.
      const missed = this.guard?.refusedSince(started) ?? [];
      const refused = missed.find((r) => r.why === 'not allowed' && asked.has(`${r.host}:${r.port}`));
      if (refused) {
        throw new Error(
          `could not load ${url}: it led to ${refused.host}:${refused.port} (a redirect or a request of the page), where the host's browser does not connect; ` +
            `it opens ${this.options.reach!.describe()}. To allow another origin, add it to browser.allowed_origins in config.yaml`,
        );
      }
      const why =
        missed.at(0)?.why === 'connection refused' && /ERR_SOCKS_CONNECTION_FAILED/.test(reason)
          ? reason.replace('ERR_SOCKS_CONNECTION_FAILED', 'ERR_CONNECTION_REFUSED')
          : reason;
      const hint = /ERR_CONNECTION_REFUSED/.test(why)
        ? ': nothing listens there; is the dev server running on that port?'
        : '';
      throw new Error(`could not load ${url}: ${why}${hint}`);
    } finally {
      page.off('request', onRequest);
    }
    const status = response?.status() ?? null;
    if (status !== null && status >= 400) {
      throw new Error(
        `${url} answered ${status} ${response!.statusText()}; the page is loaded anyway (browser_snapshot or browser_screenshot show it)`,
      );
    }
    return { url: page.url(), status, title: await page.title() };
  }

  /** The viewport, the whole page, or one element; scaled down when over the size limits. */
  async screenshot(opts: { fullPage?: boolean; selector?: string }): Promise<Shot> {
    const page = await this.open();
    let clip: { x: number; y: number; width: number; height: number };
    if (opts.selector) {
      const box = await this.locate(page, opts.selector, (l) => l.boundingBox());
      if (!box) throw new Error(`'${opts.selector}' is not visible, so it has no picture`);
      clip = box;
    } else if (opts.fullPage) {
      const size = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      }));
      clip = { x: 0, y: 0, ...size };
    } else {
      const viewport = page.viewportSize() ?? VIEWPORT;
      if (fits(viewport)) {
        // The common case, with nothing to clip or scale: the viewport as it is.
        const r = await (await this.cdp(page)).send('Page.captureScreenshot', { format: 'png' });
        return { png: Buffer.from(r.data, 'base64'), ...viewport, scale: 1 };
      }
      clip = { ...(await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }))), ...viewport };
    }
    const scale = scaleFor(clip);
    // CDP scales while it captures, so no image library is needed and no full-size image is made.
    const r = await (
      await this.cdp(page)
    ).send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...clip, scale } });
    return {
      png: Buffer.from(r.data, 'base64'),
      width: Math.round(clip.width * scale),
      height: Math.round(clip.height * scale),
      scale,
    };
  }

  /** One DevTools session per page, opened on the first screenshot. */
  private cdp(page: Page): Promise<CDPSession> {
    if (this.session?.page !== page) this.session = { page, cdp: page.context().newCDPSession(page) };
    return this.session.cdp;
  }

  async click(selector: string): Promise<void> {
    await this.locate(await this.open(), selector, (l) => l.click());
  }

  async type(selector: string, text: string, submit: boolean): Promise<void> {
    await this.locate(await this.open(), selector, async (l) => {
      await l.fill(text);
      if (submit) await l.press('Enter');
    });
  }

  async scroll(direction: 'up' | 'down' | 'left' | 'right', amount: number): Promise<{ x: number; y: number }> {
    const page = await this.open();
    const [dx, dy] = { up: [0, -amount], down: [0, amount], left: [-amount, 0], right: [amount, 0] }[direction];
    return page.evaluate(
      ([x, y]) => {
        window.scrollBy(x!, y!);
        return { x: window.scrollX, y: window.scrollY };
      },
      [dx, dy],
    );
  }

  /** A JavaScript expression in the page; its value as JSON. A thrown error is the tool's error. */
  async evaluate(expression: string): Promise<unknown> {
    const page = await this.open();
    try {
      // Indirect eval in the page: the expression is the user's, as if typed in DevTools.
      return await page.evaluate((code) => (0, eval)(code), expression);
    } catch (err) {
      throw new Error(
        `the expression threw: ${(err as Error).message.split('\n')[0]!.replace(/^page\.evaluate: /, '')}`,
      );
    }
  }

  /**
   * The page as an accessibility tree in Playwright's compact YAML (roles, names, values), without
   * a table row's name when its cells follow: ARIA names a row by joining its cells, so the name
   * says everything twice (a third of a table's tokens).
   */
  async snapshot(): Promise<{ url: string; title: string; tree: string }> {
    const page = await this.open();
    const tree = (await page.locator('html').ariaSnapshot()).replace(/^(\s*- row) "(?:[^"\\]|\\.)*":$/gm, '$1:');
    return { url: page.url(), title: await page.title(), tree };
  }

  console(limit: number): ConsoleMessage[] {
    return this.messages.slice(-limit);
  }

  async close(): Promise<void> {
    const context = this.context;
    this.context = undefined;
    this.page = undefined;
    this.session = undefined;
    if (context) await (await context.catch(() => undefined))?.close();
    await this.release();
  }

  /** Runs `act` on the first element matching `selector`; a missing one is an error saying how long it was waited for. */
  private async locate<T>(
    page: Page,
    selector: string,
    act: (l: ReturnType<Page['locator']>) => Promise<T>,
  ): Promise<T> {
    const l = page.locator(selector).first();
    try {
      await l.waitFor({ state: 'attached' });
    } catch {
      throw new Error(
        `no element matches '${selector}' within ${this.options.timeoutMs} ms; browser_snapshot shows what the page holds`,
      );
    }
    try {
      return await act(l);
    } catch (err) {
      throw new Error(`'${selector}': ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

/** "host:port" of a URL as the SOCKS guard names a connection (no brackets round an IPv6 address). */
function hostAndPort(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:')
      return undefined;
    const port = u.port || (u.protocol === 'https:' || u.protocol === 'wss:' ? '443' : '80');
    return `${u.hostname.replace(/^\[|\]$/g, '')}:${port}`;
  } catch {
    return undefined;
  }
}
