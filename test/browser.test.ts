import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenOutsideFramePorts } from './support/listen.js';
import { createTestHome, waitFor, type TestHome } from './support/test-home.js';

/** A form page: typing a name and clicking Go greets; the body is a known colour; it logs to the console. */
const PAGE = `<!doctype html><html><head><title>Greeter</title>
<style>body { margin: 0; background: rgb(51, 102, 204); } #tall { height: 5000px; } button { width: 120px; height: 40px; }</style></head>
<body><label for="name">Name</label> <input id="name"> <button id="go" onclick="document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value">Go</button>
<p id="out"></p><div id="tall"></div><script>console.log('greeter ready')</script></body></html>`;

const png = (r: CallToolResult) => {
  const image = r.content.find((c) => c.type === 'image') as { data: string; mimeType: string } | undefined;
  expect(image?.mimeType).toBe('image/png');
  return PNG.sync.read(Buffer.from(image!.data, 'base64'));
};
const pixel = (p: PNG, x: number, y: number) => [...p.data.subarray((p.width * y + x) * 4, (p.width * y + x) * 4 + 3)];
const BLUE = [51, 102, 204];

describe('browser server: real Chromium on the host', () => {
  let home: TestHome;
  let site: Server;
  let url: string;
  let closed: number;
  // Another service on the host's loopback (the daemon, say): not a frame, not allowed.
  let other: Server;
  let otherPort: number;
  const otherHits: string[] = [];
  beforeAll(async () => {
    site = createServer((req, res) => {
      if (req.url === '/missing') return void res.writeHead(404).end('no');
      if (req.url === '/to-other')
        return void res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/by-redirect` }).end();
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    url = `http://127.0.0.1:${await listenOutsideFramePorts(site, '127.0.0.1')}/`;
    const idle = createServer();
    closed = await listenOutsideFramePorts(idle, '127.0.0.1');
    await closeServer(idle); // a port nothing listens on
    other = createServer((req, res) => {
      otherHits.push(req.url!);
      res.end('{"token":"x"}');
    });
    otherPort = await listenOutsideFramePorts(other, '127.0.0.1');
    // The test site is no frame: the config lets the host's browser open it (and the closed port).
    const origins = [url.slice(0, -1), `http://127.0.0.1:${closed}`];
    home = await createTestHome(
      33340,
      5,
      `browser: { timeout_ms: 1000, allowed_origins: ${JSON.stringify(origins)} }\n`,
    );
  });
  afterAll(async () => {
    await home?.cleanup();
    await closeServer(site);
    await closeServer(other);
  });

  it('navigates, types, clicks and reads the result back', async () => {
    expect(await home.ok('browser_navigate', { url })).toEqual({ url, status: 200, title: 'Greeter' });
    await home.ok('browser_type', { selector: '#name', text: 'Ada' });
    await home.ok('browser_click', { selector: 'text=Go' });
    expect(await home.ok('browser_evaluate', { expression: "document.querySelector('#out').textContent" })).toEqual({
      value: 'Hello, Ada',
    });
    expect(await home.ok('browser_evaluate', { expression: 'Promise.resolve({ n: 1 + 1 })' })).toEqual({
      value: { n: 2 },
    });
  });

  it('screenshots are PNGs of the expected size with the page colour; big pages are scaled down', async () => {
    const view = await home.call('browser_screenshot', {});
    expect(view.structuredContent).toMatchObject({ width: 1280, height: 800, scale: 1 });
    const v = png(view);
    expect([v.width, v.height]).toEqual([1280, 800]);
    expect(pixel(v, 1200, 700)).toEqual(BLUE);

    const full = await home.call('browser_screenshot', { full_page: true });
    const f = png(full);
    expect(f.height).toBeLessThanOrEqual(2000); // the page is 1280 × ~5100: scaled to fit
    expect((full.structuredContent as { scale: number }).scale).toBeLessThan(0.4);
    expect(pixel(f, f.width - 5, f.height - 5)).toEqual(BLUE);

    const button = png(await home.call('browser_screenshot', { selector: '#go' }));
    expect([button.width, button.height]).toEqual([120, 40]);
  });

  it('scrolls, snapshots the accessibility tree, and keeps console messages', async () => {
    expect(await home.ok('browser_scroll', { direction: 'down', amount: 500 })).toEqual({ x: 0, y: 500 });
    const snap = await home.call('browser_snapshot');
    // What a model reads: plain lines, not the JSON string with every quote escaped.
    expect((snap.content[0] as { text: string }).text).toMatch(new RegExp(`^Greeter — ${url}\\n- document:\\n`));
    const { tree } = snap.structuredContent as { tree: string };
    expect(tree).toContain('textbox "Name": Ada');
    expect(tree).toContain('button "Go"');
    expect(tree).toContain('Hello, Ada');
    const { messages } = await home.ok('browser_console');
    expect(messages).toContainEqual(expect.objectContaining({ type: 'log', text: 'greeter ready' }));
  });

  it('bad input gets a clear error', async () => {
    expect(await home.fails('browser_click', { selector: '#nope' })).toMatch(
      /no element matches '#nope' within 1000 ms; browser_snapshot shows/,
    );
    expect(await home.fails('browser_navigate', { url: 'file:///etc/passwd' })).toMatch(/only http and https URLs/);
    expect(await home.fails('browser_evaluate', { expression: "(() => { throw new Error('boom') })()" })).toMatch(
      /the expression threw: .*boom/,
    );
    expect(await home.fails('browser_navigate', { url: `${url}missing` })).toMatch(
      /answered 404 Not Found; the page is loaded anyway/,
    );
    expect(await home.fails('browser_navigate', { url: `http://127.0.0.1:${closed}/` })).toMatch(
      /could not load .*ERR_CONNECTION_REFUSED.*is the dev server running on that port\?/,
    );
  });

  it('another service on the host loopback is out of reach, directly or by a redirect', async () => {
    expect(await home.fails('browser_navigate', { url: `http://127.0.0.1:${otherPort}/api/status` })).toMatch(
      new RegExp(
        `^the host's browser does not open http://127\\.0\\.0\\.1:${otherPort}: it opens the running frames' ports \\(no frame runs now\\) and browser\\.allowed_origins`,
      ),
    );
    expect(await home.fails('browser_navigate', { url: `${url}to-other` })).toMatch(
      new RegExp(`it led to 127\\.0\\.0\\.1:${otherPort} \\(a redirect or a request of the page\\)`),
    );
    expect(otherHits).toEqual([]);
  });
});

describe('browser server: a frame', () => {
  let home: TestHome;
  let hostPort: number;
  let container: string;
  beforeAll(async () => {
    home = await createTestHome(33345, 5);
    const ws = home.workspace('site', {
      'index.html':
        '<!doctype html><title>Frame app</title><body style="margin:0;background:rgb(0,153,51)"><h1>In the frame</h1></body>',
    });
    await home.ok('frame_create', { name: 'site', workspace: ws });
    const started = await home.ok('frame_start', { frame: 'site' });
    hostPort = started.frame.hostPort!;
    container = home.services.frames.containerName(home.services.frames.resolve('site'));
    // The app: a dev server on the container's port 3000.
    await home.ok('tmux_send_text', {
      frame: 'site',
      window: '0',
      text: 'cd /workspace && python3 -m http.server 3000',
      enter: true,
    });
    await waitFor(
      'the dev server',
      async () => (await fetch(`http://127.0.0.1:${hostPort}/`).catch(() => undefined))?.ok,
      30_000,
    );
  }, 180_000);
  afterAll(async () => home?.cleanup());

  it("the host's browser server sees the frame's app through its host port", async () => {
    expect(await home.ok('browser_navigate', { url: `http://127.0.0.1:${hostPort}/` })).toMatchObject({
      status: 200,
      title: 'Frame app',
    });
    expect(pixel(png(await home.call('browser_screenshot', {})), 600, 600)).toEqual([0, 153, 51]);
  }, 60_000);

  it('inside the frame, the in-frame server (what its agents are given) sees http://localhost:3000', async () => {
    // Spawning an agent writes its Claude config into the frame, which lists the server, and the server.
    const frame = home.services.frames.resolve('site');
    const { BROWSER_SERVER_IN_FRAME, browserServerBundle, claudeConfigFiles } =
      await import('../servers/agents/claude-config.js');
    const config = claudeConfigFiles({}, { browserServer: true });
    await home.services.frames.writeFiles(frame, [
      { path: '/run/optagon/claude/.claude.json', content: config['.claude.json'] },
      { path: BROWSER_SERVER_IN_FRAME, content: browserServerBundle()! },
    ]);
    const listed = JSON.parse(config['.claude.json']).mcpServers['optagon-browser'];
    expect(listed).toMatchObject({
      command: 'env',
      args: expect.arrayContaining(['-i', 'node', '/run/optagon/browser-server.mjs']),
    });
    // Claude Code in the frame, with the agents' config, starts it and finds it healthy.
    const mcp = await execa(
      'podman',
      ['exec', '-e', 'CLAUDE_CONFIG_DIR=/run/optagon/claude', '-w', '/workspace', container, 'claude', 'mcp', 'list'],
      { reject: false },
    );
    expect(mcp.stdout).toMatch(/optagon-browser: env -i .* node \/run\/optagon\/browser-server\.mjs - ✔ Connected/);

    const client = new Client({ name: 'test', version: '0' });
    // As Claude Code starts it: with a model key in the environment, which the server must not get.
    await client.connect(
      new StdioClientTransport({
        command: 'podman',
        args: [
          'exec',
          '-i',
          '-e',
          'ANTHROPIC_API_KEY=sk-ant-must-not-leak',
          container,
          ...[listed.command, ...listed.args],
        ],
      }),
    );
    try {
      const nav = (await client.callTool({
        name: 'browser_navigate',
        arguments: { url: 'http://localhost:3000/' },
      })) as CallToolResult;
      expect(nav.structuredContent, JSON.stringify(nav.content)).toMatchObject({ status: 200, title: 'Frame app' });
      const shot = (await client.callTool({ name: 'browser_screenshot', arguments: {} })) as CallToolResult;
      expect(pixel(png(shot), 600, 600)).toEqual([0, 153, 51]);
      // The frame's root starts it, but Chromium runs as nobody there too.
      const users = await execa('podman', ['exec', container, 'ps', '-C', 'chromium', '-o', 'user='], {
        reject: false,
      });
      expect(
        new Set(
          users.stdout
            .split('\n')
            .map((u) => u.trim())
            .filter(Boolean),
        ),
      ).toEqual(new Set(['nobody']));
      // Neither the server nor its Chromium got the key it was started with.
      const environ = await execa(
        'podman',
        [
          'exec',
          container,
          'sh',
          '-c',
          "for p in $(pgrep -f browser-server.mjs) $(pgrep chromium); do tr '\\0' '\\n' < /proc/$p/environ; done",
        ],
        { reject: false },
      );
      expect(environ.stdout).toContain('OPTAGON_PLAYWRIGHT=');
      expect(environ.stdout).not.toContain('sk-ant-must-not-leak');
    } finally {
      await client.close();
    }
    // Chromium went with the server.
    await waitFor(
      'chromium to exit',
      async () =>
        !(await execa('podman', ['exec', container, 'pgrep', '-f', 'chromium'], { reject: false })).stdout.trim(),
      15_000,
    );
  }, 120_000);
});
