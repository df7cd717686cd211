import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './test-home.js';

/**
 * A desktop session for tests: Xvfb on a free display, its own D-Bus session bus (dbus-launch),
 * and optionally Guake and dunst (a notification daemon) on it, all real programs.
 */
export class TestDesktop {
  private readonly children: ResultPromise[] = [];
  display = '';
  bus = '';
  private busPid = 0;

  async start(opts: { guake?: boolean; notifications?: boolean } = {}): Promise<this> {
    let n = 90 + Math.floor(Math.random() * 400);
    while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
    this.display = `:${n}`;
    this.children.push(
      execa('Xvfb', [this.display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { reject: false }),
    );
    await waitFor('Xvfb', async () => existsSync(`/tmp/.X11-unix/X${n}`), 10_000);
    const launched = await execa('dbus-launch', ['--sh-syntax'], {
      env: { ...this.env(), DBUS_SESSION_BUS_ADDRESS: '' },
    });
    this.bus = /DBUS_SESSION_BUS_ADDRESS='([^']+)'/.exec(launched.stdout)![1]!;
    this.busPid = Number(/DBUS_SESSION_BUS_PID=(\d+)/.exec(launched.stdout)![1]);
    if (opts.notifications) this.children.push(execa('dunst', [], { env: this.env(), reject: false }));
    if (opts.guake) {
      this.children.push(execa('guake', [], { env: this.env(), reject: false }));
      await waitFor(
        'Guake on the bus',
        async () =>
          (
            await this.send(
              'org.guake3.RemoteControl',
              '/org/guake3/RemoteControl',
              'org.guake3.RemoteControl.get_tab_count',
            )
          ).exitCode === 0,
        30_000,
      );
    }
    if (opts.notifications) {
      await waitFor(
        'dunst on the bus',
        async () => (await execa('dunstctl', ['count'], { env: this.env(), reject: false })).exitCode === 0,
        15_000,
      );
    }
    return this;
  }

  /** A home of its own, so Guake neither restores nor saves the user's tabs (its session.json) and settings. */
  private readonly home = mkdtempSync(join(tmpdir(), 'optagon-desktop-'));

  env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      DISPLAY: this.display,
      DBUS_SESSION_BUS_ADDRESS: this.bus,
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local/share'),
      XDG_CACHE_HOME: join(this.home, '.cache'),
    };
  }

  send(dest: string, path: string, method: string, ...args: string[]) {
    return execa('dbus-send', ['--session', '--print-reply', `--dest=${dest}`, path, method, ...args], {
      env: this.env(),
      reject: false,
    });
  }

  async stop(): Promise<void> {
    for (const c of this.children.reverse()) c.kill('SIGTERM');
    await Promise.allSettled(this.children);
    if (this.busPid) process.kill(this.busPid, 'SIGTERM');
    rmSync(this.home, { recursive: true, force: true });
  }
}
