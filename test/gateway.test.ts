import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessTerminal } from '../web/gateway/headless-client.js';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { frameTerminals, frameTmux, waitFor } from './support/test-home.js';

/** VmRSS of a process, in MiB. */
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * The terminal gateway against a real daemon, a real frame and its real tmux: what a web terminal
 * on a phone would do, through `ws` as the browser's WebSocket would.
 */
describe('terminal gateway (/ws)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  let container: string;
  const open: HeadlessTerminal[] = [];
  const wsUrl = () => daemon.url.replace(/^http/, 'ws') + '/ws';

  /** A client authenticated with the daemon token and attached to the frame `web`. */
  async function attached(
    opts: { auth?: Record<string, unknown>; attach?: Record<string, unknown> } = {},
  ): Promise<HeadlessTerminal> {
    const t = await HeadlessTerminal.open(wsUrl());
    open.push(t);
    t.send({ type: 'auth', token: daemon.token, ...opts.auth });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'web', ...opts.attach });
    await t.next('attached');
    return t;
  }
  const clients = () => frameTerminals(container, '#{client_width}x#{client_height} #{client_readonly}');

  beforeAll(async () => {
    home = new DaemonHome(33440);
    daemon = await DaemonProcess.start(home);
    expect((await home.cli('frame', 'create', 'web', '--workspace', home.workspace('web'))).exitCode).toBe(0);
    await daemon.ok('frame_start', { frame: 'web' });
    container = (await daemon.ok('frame_get', { frame: 'web' })).frame.containerName;
  }, 120_000);
  afterAll(async () => {
    for (const t of open) t.close();
    await daemon?.stop();
    await home?.cleanup();
  });

  it("attaches to the frame's tmux: typed input runs, its output comes back", async () => {
    const t = await attached();
    const hello = t.messages.find((m) => m.type === 'attached') as { frameId: string } | undefined;
    expect(hello).toMatchObject({
      type: 'attached',
      frame: 'web',
      windowId: expect.stringMatching(/^\d+$/),
      readOnly: false,
    });
    t.send({ type: 'input', data: 'echo hello-$((6*7))\r' });
    await t.sees(/hello-42/); // only the shell's answer has 42: the typed line has $((6*7))
    expect(await clients()).toHaveLength(1);
    // The connection is a row in `sessions` while it is open.
    const sessions = async () =>
      (
        (await (
          await fetch(`${daemon.url}/api/sessions`, { headers: { authorization: `Bearer ${daemon.token}` } })
        ).json()) as { sessions: Array<Record<string, unknown>> }
      ).sessions;
    expect(await sessions()).toEqual([
      expect.objectContaining({
        subject: 'local',
        frameId: hello!.frameId,
        client: expect.objectContaining({ ip: '127.0.0.1' }),
        connectedAt: expect.any(Number),
      }),
    ]);
    t.send({ type: 'detach' });
    expect(await t.next('detached')).toMatchObject({ reason: 'detached by the client' });
    await waitFor('the tmux client to go', async () => (await clients()).length === 0);
    expect(await sessions()).toEqual([expect.objectContaining({ frameId: null })]);
    t.close();
    await waitFor('its session row to go', async () => (await sessions()).length === 0);
  });

  it("resize changes the tmux client's size, clamped to sane bounds", async () => {
    const t = await attached({ attach: { cols: 90, rows: 30 } });
    await waitFor('90x30', async () => (await clients()).includes('90x30 0'));
    t.send({ type: 'resize', cols: 120, rows: 40 });
    await waitFor('120x40', async () => (await clients()).includes('120x40 0'));
    t.send({ type: 'resize', cols: 5000, rows: 2000 });
    await waitFor('clamped to 1000x500', async () => (await clients()).includes('1000x500 0'));
    t.send({ type: 'resize', cols: 80.5, rows: 24 });
    expect(await t.next('error')).toMatchObject({ code: 'bad_message', message: expect.stringContaining('cols') });
    t.close();
    await waitFor('the tmux client to go', async () => (await clients()).length === 0);
  });

  it('a read-only attachment is read-only in tmux and its input is dropped', async () => {
    const writer = await attached();
    const viewer = await attached({ attach: { readOnly: true } });
    expect(viewer.messages.find((m) => m.type === 'attached')).toMatchObject({ readOnly: true });
    await waitFor('a read-only tmux client', async () => (await clients()).some((c) => c.endsWith(' 1')));
    viewer.send({ type: 'input', data: 'echo viewer-$((2+3))\r' });
    expect(await viewer.next('error')).toMatchObject({ code: 'read_only' });
    viewer.send({ type: 'input', data: 'again\r' }); // said once, not per keystroke
    writer.send({ type: 'input', data: 'echo writer-$((3+4))\r' });
    await viewer.sees(/writer-7/); // the viewer watches what the writer does…
    expect(viewer.output).not.toMatch(/viewer-5/); // …and nothing it typed ran
    expect(await frameTmux(container, 'capture-pane', '-p', '-t', 'main')).not.toMatch(/viewer-5|again/);
    expect(viewer.messages.filter((m) => m.type === 'error')).toHaveLength(1);
    writer.close();
    viewer.close();
  });

  it('a reconnecting client gets the recent scrollback, then the live stream', async () => {
    const first = await attached();
    first.send({ type: 'input', data: 'clear; echo mark-$((2+2)); seq 1 200; echo end-$((3+3))\r' });
    await first.sees(/end-6/);
    first.close();
    // mark-4 scrolled off the 24-row screen: only the history sent on attach can show it.
    const again = await attached();
    await again.sees(/mark-4/);
    again.send({ type: 'input', data: 'echo live-$((5+5))\r' });
    await again.sees(/live-10/);
    again.close();
  });

  it("pushes the frame's events, and says detached when the frame stops under it", async () => {
    const t = await attached();
    await daemon.ok('frame_stop', { frame: 'web' });
    expect(await t.next('detached', 20_000)).toMatchObject({ frameId: expect.any(String) });
    expect(await t.next('frame_event', 20_000)).toMatchObject({
      event: { type: 'stopped', details: { from: 'running' } },
    });
    t.send({ type: 'attach', frameId: 'web' });
    expect(await t.next('error')).toMatchObject({
      code: 'not_running',
      message: expect.stringContaining('optagon frame start web'),
    });
    // Still following the frame it was on: it hears the start, and may attach again.
    await daemon.ok('frame_start', { frame: 'web' });
    await t.until(
      () => t.messages.some((m) => m.type === 'frame_event' && m.event.type === 'started'),
      'the started event',
      20_000,
    );
    t.send({ type: 'attach', frameId: 'web' });
    await t.next('attached');
    t.close();
  }, 60_000);

  it('cat of 200 MB to a client that stops acknowledging: output pauses, memory stays bounded', async () => {
    const t = await attached({ auth: { ack: true } });
    t.send({
      type: 'input',
      data: 'yes the-quick-brown-fox-jumps-over-the-lazy-dog | head -c 200000000 > /tmp/big; echo made-$((2*3))\r',
    });
    await t.sees(/made-6/, 60_000);
    t.send({ type: 'ack', bytes: t.outputBytes });
    const before = rssMiB(daemon.proc.pid!);
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, rssMiB(daemon.proc.pid!))), 100);
    t.send({ type: 'input', data: 'cat /tmp/big; echo done-$((8*8))\r' });
    // No acks: the gateway stops reading this terminal once 128 KiB are unacknowledged.
    await t.until(() => t.outputBytes > 64 * 1024, 'output to start flowing', 20_000);
    // The program is not held back (tmux keeps drawing for itself): cat finishes meanwhile.
    await waitFor(
      'cat to finish',
      async () => /done-64/.test(await frameTmux(container, 'capture-pane', '-p', '-t', 'main')),
      60_000,
    );
    const paused = t.outputBytes;
    expect(paused).toBeLessThan(256 * 1024); // the high watermark (128 KiB) and one batch (64 KiB at most)
    expect(t.output).not.toMatch(/done-64/);
    // Acknowledged, it flows again: tmux sends this client the screen as it is now.
    t.autoAck = true;
    t.send({ type: 'ack', bytes: t.outputBytes });
    await t.sees(/done-64/, 20_000);
    clearInterval(sample);
    expect(peak - before).toBeLessThan(64);
    t.close();
  }, 120_000);

  it('Ctrl-C stops an endless flood promptly while a client acknowledges', async () => {
    const t = await attached({ auth: { ack: true } });
    t.autoAck = true;
    t.send({ type: 'input', data: 'yes endless-flood\r' });
    // The flood in full swing: `yes` running and its output arriving. Not a byte count: on a busy
    // machine tmux, finding this client's pty slow to drain, skips to redraws of the latest screen.
    await waitFor(
      'yes to run',
      async () =>
        (await frameTmux(container, 'display-message', '-p', '-t', 'main', '#{pane_current_command}')).trim() === 'yes',
      20_000,
    );
    const flooding = t.outputBytes;
    await t.until(() => t.outputBytes > flooding + 64 * 1024, 'the flood', 20_000);
    const sent = performance.now();
    t.send({ type: 'input', data: '\x03' });
    t.send({ type: 'input', data: 'echo after-$((9*9))\r' });
    await t.sees(/after-81/, 10_000);
    expect(performance.now() - sent).toBeLessThan(5_000);
    t.close();
  }, 60_000);
});

/** A small seeded generator, so a failing fuzz run can be replayed. */
function prng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** 10,000 messages that are each wrong in some way; none is a valid message by chance. */
function fuzzMessages(count: number, seed = 42): Array<string | Buffer> {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rnd() * 0xd7ff))).join('');
  const makers: Array<() => string | Buffer> = [
    () => junk(1 + Math.floor(rnd() * 200)), // not JSON
    () => '{"type":"input","data":"x"'.slice(0, Math.floor(rnd() * 25)), // truncated
    () => JSON.stringify(pick([42, null, true, 'auth', [1, 2], [{ type: 'input' }]])), // JSON, not an object
    () => JSON.stringify({ type: junk(1 + Math.floor(rnd() * 10)) }), // unknown type
    () => JSON.stringify({ data: 'ls\r' }), // no type
    () => JSON.stringify({ type: 'input', data: pick([1, null, {}, ['a'], true]) }),
    () => JSON.stringify({ type: 'resize', cols: pick(['80', -1, 0, 1.5, null, 1e9]), rows: 24 }),
    () => JSON.stringify({ type: 'attach' }), // no frameId
    () =>
      JSON.stringify({
        type: 'attach',
        frameId: 'web',
        windowId: pick(['a b', '$(reboot)', ';kill-server', 'x'.repeat(100)]),
      }),
    () => JSON.stringify({ type: 'ack', bytes: pick([-1, 'many', 1.5, null]) }),
    () => JSON.stringify({ type: 'detach', extra: 1 }), // unknown field
    () => JSON.stringify({ type: 'auth', token: pick(['', 'x'.repeat(5000), 42, 'not-a-token', 'a.b.c']) }),
    () => JSON.stringify({ type: 'input', data: 'y'.repeat(64 * 1024 + 1 + Math.floor(rnd() * 800_000)) }), // over the input limit
    () => Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 4096) }, () => Math.floor(rnd() * 256))), // binary garbage
  ];
  // The big ones are rarer (about 1 in 200) to keep the run short; every other kind is common.
  return Array.from({ length: count }, () => {
    const i = Math.floor(rnd() * makers.length);
    return makers[i === 12 && rnd() > 0.07 ? 0 : i]!();
  });
}

describe('terminal gateway under fuzzed messages, and its limits', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  const wsUrl = () => daemon.url.replace(/^http/, 'ws') + '/ws';
  const connect = async () => {
    const t = await HeadlessTerminal.open(wsUrl());
    t.send({ type: 'auth', token: daemon.token });
    await t.next('authenticated');
    t.send({ type: 'attach', frameId: 'fuzz' });
    await t.next('attached');
    return t;
  };

  beforeAll(async () => {
    home = new DaemonHome(33480);
    appendFileSync(
      join(home.root, 'config.yaml'),
      'daemon:\n  gateway:\n    connections_per_token: 3\n    idle_timeout_seconds: 10\n',
    );
    daemon = await DaemonProcess.start(home);
    expect((await home.cli('frame', 'create', 'fuzz', '--workspace', home.workspace('fuzz'))).exitCode).toBe(0);
    await daemon.ok('frame_start', { frame: 'fuzz' });
  }, 120_000);
  afterAll(async () => {
    await daemon?.stop();
    await home?.cleanup();
  });

  it('10,000 bad messages: an error reply each, no crash, and the other session and this one still work', async () => {
    const bystander = await connect();
    const fuzzed = await connect();
    const messages = fuzzMessages(10_000);
    for (const m of messages) fuzzed.send(m);
    const errors = () => fuzzed.messages.filter((m) => m.type === 'error');
    await fuzzed.until(() => errors().length >= 10_000, '10,000 error replies', 120_000);
    expect(errors()).toHaveLength(10_000);
    const codes = new Set(errors().map((e) => (e as { code: string }).code));
    expect([...codes].sort()).toEqual(['auth_failed', 'bad_message', 'too_large']);
    expect(fuzzed.closed).toBeUndefined();
    // Nothing leaked into the terminal, and both sessions still type and see.
    fuzzed.send({ type: 'input', data: 'echo fuzzed-$((20+1))\r' });
    await fuzzed.sees(/fuzzed-21/);
    bystander.send({ type: 'input', data: 'echo bystander-$((20+2))\r' });
    await bystander.sees(/bystander-22/);
    expect(daemon.proc.exitCode).toBeNull();
    // Over the WebSocket message limit (1 MiB): that connection is closed (1009), the other goes on.
    fuzzed.send(JSON.stringify({ type: 'input', data: 'z'.repeat(2 * 1024 * 1024) }));
    await fuzzed.until(() => fuzzed.closed, 'the oversized message to close its connection');
    expect(fuzzed.closed!.code).toBe(1009);
    bystander.send({ type: 'input', data: 'echo still-$((20+3))\r' });
    await bystander.sees(/still-23/);
    bystander.close();
  }, 180_000);

  it('binary frames when asked: output comes as bytes, bytes are taken as input', async () => {
    const t = await HeadlessTerminal.open(wsUrl());
    const binaryFrames: Buffer[] = [];
    t.ws.on('message', (data, isBinary) => isBinary && binaryFrames.push(data as Buffer));
    t.send({ type: 'auth', token: daemon.token, binary: true });
    expect(await t.next('authenticated')).toMatchObject({ binary: true });
    t.send({ type: 'attach', frameId: 'fuzz' });
    await t.next('attached');
    t.send(Buffer.from('echo bin-$((30+3))\r'));
    await t.sees(/bin-33/);
    expect(binaryFrames.length).toBeGreaterThan(0);
    expect(t.messages.some((m) => (m.type as string) === 'output')).toBe(false);
    t.close();
  });

  it('limits: connections per identity, and idle connections are closed', async () => {
    const held = [await connect(), await connect(), await connect()];
    const fourth = await HeadlessTerminal.open(wsUrl());
    fourth.send({ type: 'auth', token: daemon.token });
    await fourth.until(() => fourth.closed, 'the fourth connection to be refused');
    expect(fourth.closed!.code).toBe(4029);
    expect(fourth.messages[0]).toMatchObject({ type: 'error', code: 'too_many_connections' });
    held[0]!.close();
    await held[0]!.until(() => held[0]!.closed, 'the close');
    await waitFor('a slot to free', async () => {
      const again = await HeadlessTerminal.open(wsUrl());
      again.send({ type: 'auth', token: daemon.token });
      const ok = await again.next('authenticated', 2_000).then(
        () => true,
        () => false,
      );
      held.push(again);
      return ok;
    });
    // Nothing from a client for idle_timeout_seconds (10 here): closed with a reason.
    const idle = held[1]!;
    await idle.until(() => idle.closed, 'the idle close', 20_000);
    expect(idle.closed!.code).toBe(4008);
    expect(idle.messages.at(-1)).toMatchObject({ type: 'error', code: 'idle_timeout' });
    for (const t of held) t.close();
  }, 60_000);
});
