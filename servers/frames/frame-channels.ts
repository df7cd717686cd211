import { TmuxControl } from './tmux-control.js';

/** Where the frame's tmux server listens, inside the container (frame-image/entrypoint.sh). */
export const SOCKET_IN_FRAME = '/run/optagon/tmux.sock';
/** The session every frame's tmux server runs. */
export const FRAME_SESSION = 'main';

/**
 * The argv that runs tmux inside a frame's container. Optagon never runs a tmux client on the host
 * against a frame's socket: a tmux server can make its clients write and read files and run
 * commands, and this server belongs to the frame.
 */
export function tmuxInFrame(podman: string, container: string, tmuxArgs: readonly string[], opts: { tty?: boolean; client?: string } = {}): string[] {
  // --detach-keys '': podman would otherwise take Ctrl-P Ctrl-Q from the user's keystrokes.
  const env = opts.client ? ['--env', `${CLIENT_ENV}=${opts.client}`] : [];
  return [podman, 'exec', opts.tty ? '-it' : '-i', '--detach-keys', '', ...env, container, 'tmux', '-u', '-S', SOCKET_IN_FRAME, ...tmuxArgs];
}

/** Marks a terminal's tmux client in the frame, so it can be ended from the host (see endClientScript). */
export const CLIENT_ENV = 'OPTAGON_CLIENT';

/**
 * A process `podman exec` started lives on when the podman client on the host is killed: a closed
 * web terminal would leave its tmux client attached in the frame. This shell script, run in the frame
 * by its tmux server (in the background: `run-shell -b`), hangs up the client whose environment
 * carries the mark, looking for up to 10 s in case the host side closed before that client started.
 * `client` is ours (a uuid).
 */
export function endClientScript(client: string): string {
  if (!/^[0-9a-f-]{8,64}$/.test(client)) throw new Error(`not a terminal client id: ${client}`);
  const scan = `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx '${CLIENT_ENV}=${client}' && kill -HUP "\${p#/proc/}" && found=1; done`;
  return `found=; i=0; while [ -z "$found" ] && [ $i -lt 100 ]; do ${scan}; i=$((i+1)); [ -z "$found" ] && sleep 0.1; done; true`;
}

/**
 * One long-lived control channel per running frame (`podman exec -i <ctr> tmux -C attach`), opened
 * on first use and again after it breaks, so a tool call costs a line written to a pipe rather than
 * a `podman exec` each time.
 */
export class FrameChannels {
  private readonly open = new Map<string, Promise<TmuxControl>>();

  constructor(private readonly podman: () => string) {}

  /** The frame's channel, opened when there is none (or the last one closed). */
  async get(frameId: string, container: string): Promise<TmuxControl> {
    const current = this.open.get(frameId);
    if (current) {
      const channel = await current.catch(() => undefined);
      if (channel && !channel.closed) return channel;
      if (this.open.get(frameId) === current) this.open.delete(frameId);
      else return this.get(frameId, container);
    }
    const opening = TmuxControl.open({
      argv: tmuxInFrame(this.podman(), container, ['-C', 'attach-session', '-t', FRAME_SESSION, '-f', 'no-output,ignore-size']),
      session: FRAME_SESSION,
    });
    this.open.set(frameId, opening);
    opening.catch(() => {
      if (this.open.get(frameId) === opening) this.open.delete(frameId);
    });
    return opening;
  }

  /** Closes the frame's channel (the frame stops or goes away). */
  close(frameId: string): void {
    const current = this.open.get(frameId);
    this.open.delete(frameId);
    void current?.then((c) => c.close(), () => undefined);
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
