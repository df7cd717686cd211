import { existsSync } from 'node:fs';
import type dbus from 'dbus-next';
import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord } from '../frames/state-store.js';
import { sleep } from '../shared/sleep.js';

const GUAKE = { name: 'org.guake3.RemoteControl', path: '/org/guake3/RemoteControl' };
const NOTIFICATIONS = { name: 'org.freedesktop.Notifications', path: '/org/freedesktop/Notifications' };

/** Single quotes for a POSIX shell: the workspace path goes into a command line Guake types. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** How long a new tab gets to attach, and how many tabs are tried. */
const ATTACH_WAIT_MS = 4000;
const ATTACH_TRIES = 3;

/** Terminals attached to a frame's tmux (control channels such as Optagon's own not counted; 0 when it does not answer). */
async function clients(frames: FrameManager, frame: FrameRecord): Promise<number> {
  try {
    const out = await (await frames.tmux(frame)).run(['list-clients', '-F', '#{client_control_mode}']);
    return out.split('\n').filter((l) => l.trim() === '0').length;
  } catch {
    return 0;
  }
}

export interface Tab {
  index: number;
  name: string;
}

type Iface = Record<string, (...args: unknown[]) => Promise<unknown>>;

/**
 * The user's Guake, through its D-Bus remote control on the session bus (dbus-next): a tab per
 * frame, named after it, attached to the frame's tmux session; and desktop notifications when an
 * agent needs the user.
 */
export class GuakeRemote {
  constructor(private readonly frames: FrameManager) {}

  /** Selects the frame's tab, or adds one that attaches to its tmux session; then shows Guake. */
  async openFrame(ref: string): Promise<{ action: 'selected' | 'added'; tab: Tab; tabs: Tab[] }> {
    const frame = this.frames.resolve(ref);
    const attach = await this.frames.attach(frame.id);
    if (attach.frame.status !== 'running') {
      throw new Error(
        `frame '${frame.name}' is ${attach.frame.status}; start it first: optagon frame start ${frame.name}`,
      );
    }
    return this.withGuake(async (guake) => {
      const tabs = await this.tabsOf(guake);
      let found = tabs.find((t) => t.name === frame.name);
      let action: 'selected' | 'added' = 'selected';
      if (found) {
        await guake.select_tab!(found.index);
      } else {
        await this.addAttachedTab(
          guake,
          attach.frame,
          `cd ${quote(frame.workspacePath)} && exec ${attach.command.map(quote).join(' ')}`,
        );
        found = { index: Number(await guake.get_selected_tab!()), name: frame.name };
        action = 'added';
      }
      await guake.show!();
      return { action, tab: found, tabs: await this.tabsOf(guake) };
    });
  }

  /** An agent asks for the user: a desktop notification, the frame's tab opened, a frame event. */
  async requestAttention(ref: string, message: string): Promise<{ notified: boolean; note?: string; tab: Tab }> {
    const frame = this.frames.resolve(ref);
    this.frames.recordEvent(frame.id, 'attention_requested', { message });
    let notified = true;
    let note: string | undefined;
    try {
      await this.withBus(async (bus) => {
        const obj = await bus.getProxyObject(NOTIFICATIONS.name, NOTIFICATIONS.path);
        const n = obj.getInterface(NOTIFICATIONS.name) as unknown as Iface;
        await n.Notify!('Optagon', 0, 'utilities-terminal', `${frame.name} needs you`, message, [], {}, -1);
      });
    } catch (err) {
      // No notification daemon on this desktop: the tab still opens, and the answer says so.
      notified = false;
      note = `no desktop notification (${(err as Error).message}); the tab is open`;
    }
    const { tab } = await this.openFrame(frame.id);
    return { notified, ...(note ? { note } : {}), tab };
  }

  /**
   * Guake 3.9's execute_command opens a tab and types the command into it, but a tab whose shell
   * has not started yet can lose the typing. So the tmux server is watched for the new client, and
   * a tab that did not attach is closed and opened again.
   */
  private async addAttachedTab(guake: Iface, frame: FrameRecord, command: string): Promise<void> {
    const name = frame.name;
    const before = await clients(this.frames, frame);
    for (let attempt = 1; ; attempt++) {
      await guake.execute_command!(command);
      // Renamed as the user would: a name set so is kept when tmux sets the terminal title.
      await guake.rename_current_tab!(name);
      for (const end = Date.now() + ATTACH_WAIT_MS; Date.now() < end; await sleep(100)) {
        if ((await clients(this.frames, frame)) > before) return;
      }
      if (attempt === ATTACH_TRIES) {
        throw new Error(
          `Guake opened a tab for ${name}, but it did not attach to the frame's tmux within ${(ATTACH_TRIES * ATTACH_WAIT_MS) / 1000} s; try again, or attach by hand: optagon frame attach ${name}`,
        );
      }
      await guake.close_tab!(); // the selected tab: ours, whose command was lost
    }
  }

  async listTabs(): Promise<{ tabs: Tab[]; selected: number }> {
    return this.withGuake(async (guake) => ({
      tabs: await this.tabsOf(guake),
      selected: Number(await guake.get_selected_tab!()),
    }));
  }

  private async tabsOf(guake: Iface): Promise<Tab[]> {
    const count = Number(await guake.get_tab_count!());
    const tabs: Tab[] = [];
    for (let index = 0; index < count; index++) tabs.push({ index, name: String(await guake.get_tab_name!(index)) });
    return tabs;
  }

  private withGuake<T>(use: (guake: Iface) => Promise<T>): Promise<T> {
    return this.withBus(async (bus) => {
      let obj;
      try {
        obj = await bus.getProxyObject(GUAKE.name, GUAKE.path);
      } catch (err) {
        if (
          /ServiceUnknown|was not provided by any \.service files/.test(
            String((err as Error).message ?? err) + String((err as { type?: string }).type),
          )
        ) {
          throw new Error(
            'Guake is not running in this desktop session: start it (`guake &`, or log in to a session that autostarts it) and try again',
          );
        }
        throw err;
      }
      return use(obj.getInterface(GUAKE.name) as unknown as Iface);
    });
  }

  /** A session bus connection for one operation; a missing bus is an error saying why. */
  private async withBus<T>(use: (bus: dbus.MessageBus) => Promise<T>): Promise<T> {
    const address = process.env.DBUS_SESSION_BUS_ADDRESS;
    const userBus = `/run/user/${process.getuid?.() ?? 0}/bus`;
    if (!address && !existsSync(userBus)) {
      throw new Error(
        'no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and there is no ' +
          userBus +
          '; run Optagon (the daemon) inside your desktop session',
      );
    }
    // Loaded on the first Guake call: most processes that hold the registry never reach a desktop.
    const { default: dbusNext } = await import('dbus-next');
    const bus = dbusNext.sessionBus(address ? {} : { busAddress: `unix:path=${userBus}` });
    try {
      return await use(bus);
    } finally {
      bus.disconnect();
    }
  }
}
