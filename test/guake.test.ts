import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDesktop } from './support/desktop.js';
import { createTestHome, frameTerminals, waitFor, type TestHome } from './support/test-home.js';

/** Real Guake under Xvfb on its own session bus, with dunst for notifications; a real frame. */
describe('guake: a tab per frame', () => {
  let desktop: TestDesktop;
  let home: TestHome;
  let container: string;
  beforeAll(async () => {
    desktop = await new TestDesktop().start({ guake: true, notifications: true });
    process.env.DBUS_SESSION_BUS_ADDRESS = desktop.bus; // this process is the server Guake is reached from
    home = await createTestHome(33350, 5);
    await home.ok('frame_create', { name: 'tabbed', workspace: home.workspace('tabbed') });
    await home.ok('frame_start', { frame: 'tabbed' });
    container = (await home.ok('frame_get', { frame: 'tabbed' })).frame.containerName;
  }, 180_000);
  afterAll(async () => {
    await home?.cleanup();
    await desktop?.stop();
  });

  it('opens one tab named after the frame, attached to its tmux session; a second call selects it', async () => {
    const before = (await home.ok('guake_list_tabs')).tabs;
    const first = await home.ok('guake_open_frame', { frame: 'tabbed' });
    expect(first.action).toBe('added');
    expect(first.tabs).toHaveLength(before.length + 1);
    expect(first.tabs.filter((t) => t.name === 'tabbed')).toEqual([first.tab]);
    // The tab's shell runs the attach command: the frame's tmux server gets a client.
    await waitFor('a tmux client', async () => (await frameTerminals(container)).length > 0, 20_000);

    await home.ok('guake_list_tabs'); // (select another tab first, so selecting is seen)
    await desktop.send(
      'org.guake3.RemoteControl',
      '/org/guake3/RemoteControl',
      'org.guake3.RemoteControl.select_tab',
      'int32:0',
    );
    const again = await home.ok('guake_open_frame', { frame: 'tabbed' });
    expect(again).toMatchObject({ action: 'selected', tab: first.tab });
    expect(again.tabs).toHaveLength(first.tabs.length);
    expect((await home.ok('guake_list_tabs')).selected).toBe(first.tab.index);
    // The tab keeps its name though tmux sets the terminal's title.
    expect((await home.ok('guake_list_tabs')).tabs[first.tab.index]!.name).toBe('tabbed');
  }, 60_000);

  it('an agent asking for the user: a desktop notification, the tab, a frame event', async () => {
    const r = await home.ok('guake_request_attention', {
      frame: 'tabbed',
      message: 'The migration needs your password',
    });
    expect(r).toMatchObject({ notified: true, tab: { name: 'tabbed' } });
    // dunst keeps a notification on screen; closed, it moves to its history, which can be read.
    await execa('dunstctl', ['close-all'], { env: desktop.env() });
    const history = await waitFor('the notification in dunst', async () => {
      const h = (await execa('dunstctl', ['history'], { env: desktop.env() })).stdout;
      return h.includes('The migration needs your password') && h;
    });
    expect(history).toContain('tabbed needs you');
    const { events } = await home.ok('frame_events', { frame: 'tabbed' });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'attention_requested',
        details: { message: 'The migration needs your password' },
      }),
    );
  });

  it('clear errors: a stopped frame, Guake not running, no session bus', async () => {
    await home.ok('frame_create', { name: 'asleep', workspace: home.workspace('asleep') });
    expect(await home.fails('guake_open_frame', { frame: 'asleep' })).toMatch(
      /frame 'asleep' is created; start it first: optagon frame start asleep/,
    );

    const bare = await new TestDesktop().start(); // a session without Guake
    process.env.DBUS_SESSION_BUS_ADDRESS = bare.bus;
    try {
      expect(await home.fails('guake_list_tabs')).toMatch(/Guake is not running in this desktop session: start it/);
      delete process.env.DBUS_SESSION_BUS_ADDRESS;
      expect(existsSync(`/run/user/${process.getuid!()}/bus`)).toBe(false); // as on a headless machine
      expect(await home.fails('guake_list_tabs')).toMatch(/no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset/);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = desktop.bus;
      await bare.stop();
    }
  });
});
