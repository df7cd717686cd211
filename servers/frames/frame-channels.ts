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
export function tmuxInFrame(
  podman: string,
  container: string,
  tmuxArgs: readonly string[],
  opts: { tty?: boolean } = {},
): string[] {
  // --detach-keys '': podman would otherwise take Ctrl-P Ctrl-Q from the user's keystrokes.
  return [
    podman,
    'exec',
    opts.tty ? '-it' : '-i',
    '--detach-keys',
    '',
    container,
    'tmux',
    '-u',
    '-S',
    SOCKET_IN_FRAME,
    ...tmuxArgs,
  ];
}

/** Marks a terminal's tmux client in the frame, so the host can signal it (see resizedClientScript). */
export const CLIENT_ENV = 'OPTAGON_CLIENT';

/**
 * The argv of a terminal whose pty the host holds (the gateway's): the tmux client runs inside the
 * frame under `podman exec` like every other (the frame's namespaces, capabilities and seccomp), but
 * its terminal is the host pty's slave, handed in as fd 3 (`--preserve-fds`), and tmux, which does a
 * client's I/O on the fd the client gives it, writes to it directly. With `-it` every byte went
 * through the podman client and conmon, which cost a few ms per keystroke and a tenth of the
 * throughput. That pty is not the client's controlling terminal, so a resize reaches it as a signal
 * (resizedClientScript); closing the pty hangs the client up. `client` marks the process.
 */
export function terminalInFrame(
  podman: string,
  container: string,
  tmuxArgs: readonly string[],
  client: string,
): string[] {
  // Host side: the pty (stdin) becomes fd 3 and podman reads no keystroke. Frame side: it becomes
  // tmux's stdin, stdout and stderr. Neither script holds anything but fixed text ("$@" carries argv).
  return [
    '/bin/sh',
    '-c',
    'exec "$@" 3<&0 </dev/null',
    'sh',
    podman,
    'exec',
    '--preserve-fds',
    '1',
    '--env',
    `${CLIENT_ENV}=${client}`,
    '--env',
    'TERM=xterm-256color',
    container,
    '/bin/sh',
    '-c',
    'exec "$@" <&3 >&3 2>&3 3>&-',
    'sh',
    'tmux',
    '-u',
    '-S',
    SOCKET_IN_FRAME,
    ...tmuxArgs,
  ];
}

/**
 * A shell script, run in the frame by its tmux server (in the background: `run-shell -b`), that tells
 * the terminal client whose environment carries the mark `client` (ours, a uuid) its size changed:
 * SIGWINCH, on which tmux reads the size from the pty.
 */
export function resizedClientScript(client: string): string {
  if (!/^[0-9a-f-]{8,64}$/.test(client)) throw new Error(`not a terminal client id: ${client}`);
  return `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx '${CLIENT_ENV}=${client}' && kill -WINCH "\${p#/proc/}"; done; true`;
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
      argv: tmuxInFrame(this.podman(), container, [
        '-C',
        'attach-session',
        '-t',
        FRAME_SESSION,
        '-f',
        'no-output,ignore-size',
      ]),
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
    void current?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }
}
