import { existsSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';

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

/** Screenshots larger than this (either side, in pixels) are scaled down to it, as is one of more pixels than MAX_PIXELS. */
export const MAX_SIDE = 2000;
const MAX_PIXELS = 2_000_000;
const CONSOLE_KEPT = 200;
const VIEWPORT = { width: 1280, height: 800 };

/** Below 1 when an area is over the limits: the factor that brings it within them. */
const scaleFor = (a: { width: number; height: number }) => Math.min(1, MAX_SIDE / a.width, MAX_SIDE / a.height, Math.sqrt(MAX_PIXELS / (a.width * a.height)));
const fits = (a: { width: number; height: number }) => scaleFor(a) === 1;

export interface BrowserOptions {
  executablePath: string;
  /** How long a click, type or screenshot waits for its selector. */
  timeoutMs: number;
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
  private browser?: Promise<Browser>;
  private page?: Page;
  private readonly messages: ConsoleMessage[] = [];
  private session?: { page: Page; cdp: Promise<CDPSession> };

  constructor(private readonly options: BrowserOptions) {}

  private async open(): Promise<Page> {
    if (this.page && !this.page.isClosed()) return this.page;
    const { executablePath } = this.options;
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium is not installed at ${executablePath}: install it with \`apt-get install chromium\` (Debian/Ubuntu), or set browser.executable_path in config.yaml (OPTAGON_CHROMIUM for the in-frame server)`,
      );
    }
    // In a frame, playwright-core is the image's global install, named by OPTAGON_PLAYWRIGHT (see claude-config.ts).
    const playwright = process.env.OPTAGON_PLAYWRIGHT ?? 'playwright-core';
    this.browser ??= (import(playwright) as Promise<typeof import('playwright-core')>).then(({ chromium }) =>
      chromium.launch({
        executablePath,
        headless: true,
        // Chromium refuses to run as root with its sandbox (containers, CI); the frame is the sandbox there.
        args: [...QUIET_FLAGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      }),
    );
    const browser = await this.browser.catch((err: Error) => {
      this.browser = undefined;
      throw new Error(`Chromium (${executablePath}) did not start: ${err.message.split('\n')[0]}`);
    });
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(this.options.timeoutMs);
    page.on('console', (m) => this.remember(m.type(), m.text()));
    page.on('pageerror', (e) => this.remember('pageerror', e.message));
    this.page = page;
    return page;
  }

  private remember(type: string, text: string): void {
    this.messages.push({ at: Date.now(), type, text });
    if (this.messages.length > CONSOLE_KEPT) this.messages.shift();
  }

  async navigate(url: string): Promise<{ url: string; status: number | null; title: string }> {
    const page = await this.open();
    let response;
    try {
      response = await page.goto(url, { waitUntil: 'load' });
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0]!.replace(/^page\.goto: /, '');
      const hint = /ERR_CONNECTION_REFUSED/.test(reason) ? ': nothing listens there; is the dev server running on that port?' : '';
      throw new Error(`could not load ${url}: ${reason}${hint}`);
    }
    const status = response?.status() ?? null;
    if (status !== null && status >= 400) {
      throw new Error(`${url} answered ${status} ${response!.statusText()}; the page is loaded anyway (browser_snapshot or browser_screenshot show it)`);
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
      const size = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
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
    const r = await (await this.cdp(page)).send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...clip, scale } });
    return { png: Buffer.from(r.data, 'base64'), width: Math.round(clip.width * scale), height: Math.round(clip.height * scale), scale };
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
    return page.evaluate(([x, y]) => {
      window.scrollBy(x!, y!);
      return { x: window.scrollX, y: window.scrollY };
    }, [dx, dy]);
  }

  /** A JavaScript expression in the page; its value as JSON. A thrown error is the tool's error. */
  async evaluate(expression: string): Promise<unknown> {
    const page = await this.open();
    try {
      // Indirect eval in the page: the expression is the user's, as if typed in DevTools.
      return await page.evaluate((code) => (0, eval)(code), expression);
    } catch (err) {
      throw new Error(`the expression threw: ${(err as Error).message.split('\n')[0]!.replace(/^page\.evaluate: /, '')}`);
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
    const browser = this.browser;
    this.browser = undefined;
    this.page = undefined;
    this.session = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }

  /** Runs `act` on the first element matching `selector`; a missing one is an error saying how long it was waited for. */
  private async locate<T>(page: Page, selector: string, act: (l: ReturnType<Page['locator']>) => Promise<T>): Promise<T> {
    const l = page.locator(selector).first();
    try {
      await l.waitFor({ state: 'attached' });
    } catch {
      throw new Error(`no element matches '${selector}' within ${this.options.timeoutMs} ms; browser_snapshot shows what the page holds`);
    }
    try {
      return await act(l);
    } catch (err) {
      throw new Error(`'${selector}': ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
