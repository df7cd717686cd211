import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { estimateTokens } from '../servers/shared/llm-provider.js';
import { packageRoot } from '../servers/shared/package-root.js';
import { closeServer, listenOutsideFramePorts } from '../test/support/listen.js';
import { stats } from './measure.js';
import type { Figure } from './report.js';

const CHROMIUM = '/usr/bin/chromium';
const WARM_UP = 3;
const SHOTS = 20;
const SNAPSHOTS = 5;

/** A page like the ones agents build: a header, navigation, a form and a 60-row table. */
function dashboard(): string {
  const rows = Array.from(
    { length: 60 },
    (_, i) =>
      `<tr><td>#${1000 + i}</td><td>Customer ${i}</td><td>${(i * 37) % 500}.00 €</td><td><button>Open</button></td></tr>`,
  ).join('');
  return `<!doctype html><html><head><title>Orders</title><style>body{font-family:sans-serif;margin:0} header{background:#234;color:#fff;padding:16px}
    nav a{margin-right:12px} table{border-collapse:collapse} td{border:1px solid #ccc;padding:4px 8px}</style></head><body>
    <header><h1>Orders</h1><nav><a href="#">Dashboard</a><a href="#">Orders</a><a href="#">Customers</a><a href="#">Settings</a></nav></header>
    <main><form><label>Search <input name="q"></label> <label>Status <select><option>All</option><option>Open</option><option>Paid</option></select></label>
    <button type="submit">Filter</button></form><table><thead><tr><th>Order</th><th>Customer</th><th>Total</th><th></th></tr></thead><tbody>${rows}</tbody></table></main></body></html>`;
}

interface Side {
  client: Client;
  screenshot: string;
  screenshotArgs: Record<string, unknown>;
}

async function connect(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: 'optagon-bench', version: '0' });
  await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content).slice(0, 300)}`);
  return r;
}

/** What a model reads of an answer: its text parts (an image is priced apart by the APIs). */
const textTokens = (r: CallToolResult) =>
  estimateTokens(r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'));

/**
 * The browser server against @playwright/mcp (Microsoft's Playwright MCP server, from npm), both
 * over stdio with the same Chromium and the same page, in the same run: screenshot latency (a
 * tools/call round trip, PNG included) and the size of an accessibility snapshot in tokens.
 */
export async function benchBrowser(): Promise<Figure[]> {
  const site = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(dashboard()));
  const url = `http://127.0.0.1:${await listenOutsideFramePorts(site, '127.0.0.1')}/`;
  const root = packageRoot();
  // @playwright/mcp writes what it captures into ./.playwright-mcp unless told elsewhere.
  const peerOutput = mkdtempSync(join(tmpdir(), 'optagon-bench-playwright-mcp-'));
  const ours: Side = {
    client: await connect(process.execPath, [join(root, 'dist', 'frame', 'browser-server.mjs')]),
    screenshot: 'browser_screenshot',
    screenshotArgs: {},
  };
  const peer: Side = {
    client: await connect(process.execPath, [
      join(root, 'node_modules', '@playwright', 'mcp', 'cli.js'),
      '--headless',
      '--isolated',
      '--executable-path',
      CHROMIUM,
      '--viewport-size',
      '1280x800',
      '--output-dir',
      peerOutput,
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ]),
    screenshot: 'browser_take_screenshot',
    screenshotArgs: { type: 'png' },
  };
  try {
    const shots = new Map<Side, number[]>();
    const tokens = new Map<Side, number[]>();
    for (const side of [ours, peer]) {
      await call(side.client, 'browser_navigate', { url });
      for (let i = 0; i < WARM_UP; i++) await call(side.client, side.screenshot, side.screenshotArgs);
    }
    // Interleaved, so neither side always runs on a warmer machine.
    for (let i = 0; i < SHOTS; i++) {
      for (const side of i % 2 ? [peer, ours] : [ours, peer]) {
        const t = performance.now();
        await call(side.client, side.screenshot, side.screenshotArgs);
        shots.set(side, [...(shots.get(side) ?? []), performance.now() - t]);
      }
    }
    for (let i = 0; i < SNAPSHOTS; i++) {
      for (const side of [ours, peer])
        tokens.set(side, [...(tokens.get(side) ?? []), textTokens(await call(side.client, 'browser_snapshot'))]);
    }
    const peerName = '@playwright/mcp, same Chromium and page';
    return [
      {
        name: 'browser screenshot, 1280×800 viewport (tools/call over stdio)',
        ours: stats(shots.get(ours)!),
        peer: stats(shots.get(peer)!),
        peerName,
      },
      {
        name: 'browser snapshot of a 60-row table page, in tokens',
        ours: stats(tokens.get(ours)!),
        peer: stats(tokens.get(peer)!),
        peerName,
        kind: 'tokens',
      },
    ];
  } finally {
    await ours.client.close();
    await peer.client.close();
    await closeServer(site);
    rmSync(peerOutput, { recursive: true, force: true });
  }
}
