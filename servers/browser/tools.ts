import { z } from 'zod';
import { noFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { ACTS_OUTSIDE, LOOKS } from '../shared/tool-annotations.js';
import type { BrowserSession } from './browser-session.js';

type S = BrowserSession;
const defineTool = toolsFor<S>();

const httpUrl = z
  .url({
    protocol: /^https?$/,
    error: 'only http and https URLs, e.g. http://localhost:3000 (file:, data: and others are refused)',
  })
  .describe('An http(s) URL; in a frame, http://localhost:3000 is its app; on the host, http://127.0.0.1:<hostPort>');
const selector = z
  .string()
  .min(1, 'the selector is empty')
  .max(1000)
  .describe("A CSS selector, or Playwright's text=… / role=…");
/** One page in the host's Chromium, shared by every caller, that can open any address the host reaches: no frame's. */
const hostBrowser = noFrame(
  "drives the host's browser, one page shared by every caller that opens any address the host reaches",
);

export const browserTools = [
  defineTool({
    name: 'browser_navigate',
    title: 'Open a page',
    description:
      'Loads a URL in the browser page (one page, reused by every tool). A 4xx/5xx answer or an unreachable host is an error that says so.',
    input: { url: httpUrl },
    output: { url: z.string(), status: z.number().nullable(), title: z.string() },
    annotations: ACTS_OUTSIDE,
    actsOn: hostBrowser,
    async handle(b, args) {
      return b.navigate(args.url);
    },
  }),
  defineTool({
    name: 'browser_screenshot',
    title: 'Screenshot',
    description:
      'A PNG of the viewport, the whole page (full_page) or one element (selector), as image content. Pictures over 2000 px a side or 2 megapixels ' +
      'are scaled down (scale < 1). browser_snapshot is cheaper when text is enough.',
    input: { full_page: z.boolean().default(false), selector: selector.optional() },
    output: { width: z.number(), height: z.number(), scale: z.number(), bytes: z.number() },
    annotations: LOOKS,
    actsOn: hostBrowser,
    async handle(b, args, ctx) {
      const shot = await b.screenshot({
        fullPage: args.full_page,
        ...(args.selector ? { selector: args.selector } : {}),
      });
      ctx.image(shot.png, 'image/png');
      return { width: shot.width, height: shot.height, scale: Number(shot.scale.toFixed(4)), bytes: shot.png.length };
    },
  }),
  defineTool({
    name: 'browser_click',
    title: 'Click',
    description: 'Clicks the first element matching the selector (waiting for it, up to browser.timeout_ms).',
    input: { selector },
    output: { clicked: z.string() },
    annotations: ACTS_OUTSIDE,
    actsOn: hostBrowser,
    async handle(b, args) {
      await b.click(args.selector);
      return { clicked: args.selector };
    },
  }),
  defineTool({
    name: 'browser_type',
    title: 'Type into a field',
    description: 'Replaces the text of the first matching input with `text`; with submit, presses Enter after.',
    input: { selector, text: z.string().max(100_000), submit: z.boolean().default(false) },
    output: { typed: z.string() },
    annotations: ACTS_OUTSIDE,
    actsOn: hostBrowser,
    async handle(b, args) {
      await b.type(args.selector, args.text, args.submit);
      return { typed: args.selector };
    },
  }),
  defineTool({
    name: 'browser_scroll',
    title: 'Scroll',
    description: 'Scrolls the page by `amount` pixels; returns where it is now.',
    input: {
      direction: z.enum(['up', 'down', 'left', 'right']),
      amount: z.number().int().min(1).max(100_000).default(600),
    },
    output: { x: z.number(), y: z.number() },
    annotations: ACTS_OUTSIDE,
    actsOn: hostBrowser,
    async handle(b, args) {
      return b.scroll(args.direction, args.amount);
    },
  }),
  defineTool({
    name: 'browser_evaluate',
    title: 'Evaluate JavaScript',
    description:
      "Evaluates a JavaScript expression in the page and returns its value (JSON-serialisable; a promise is awaited). A throw is the tool's error.",
    input: { expression: z.string().min(1, 'the expression is empty').max(100_000) },
    output: { value: z.unknown() },
    annotations: ACTS_OUTSIDE,
    actsOn: hostBrowser,
    async handle(b, args) {
      return { value: (await b.evaluate(args.expression)) ?? null };
    },
  }),
  defineTool({
    name: 'browser_snapshot',
    title: 'Accessibility snapshot',
    description:
      "The page's accessibility tree as compact text (roles, names, values): what a screen reader would say, far fewer tokens than an image.",
    input: {},
    output: { url: z.string(), title: z.string(), tree: z.string() },
    annotations: LOOKS,
    actsOn: hostBrowser,
    async handle(b, _args, ctx) {
      const s = await b.snapshot();
      ctx.text(`${s.title} — ${s.url}\n${s.tree}`);
      return s;
    },
  }),
  defineTool({
    name: 'browser_console',
    title: 'Console messages',
    description: "The page's recent console messages and uncaught errors (type pageerror), oldest first.",
    input: { limit: z.number().int().min(1).max(200).default(50) },
    output: { messages: z.array(z.object({ at: z.number(), type: z.string(), text: z.string() })) },
    annotations: LOOKS,
    actsOn: hostBrowser,
    async handle(b, args) {
      return { messages: b.console(args.limit) };
    },
  }),
] satisfies AnyTool<S>[];
