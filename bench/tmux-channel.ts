import { join } from 'node:path';
import { runCommand } from '../servers/shared/run-command.js';
import { createServices } from '../host/registry.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import type { BenchHome } from './bench-home.js';
import { stats } from './measure.js';
import type { Figure } from './report.js';

const ROUNDS = 60;
/** What FrameTmux asks for a window list (the same format string it sends). */
const LIST_FORMAT = [
  '#{window_index}',
  '#{window_id}',
  '#{window_name}',
  '#{window_active}',
  '#{pane_current_command}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_current_path}',
  '#{pane_width}',
  '#{pane_height}',
].join('\t');

/**
 * The cost of reaching tmux from inside the frame: FrameTmux over the frame's control channel
 * (`podman exec -i <ctr> tmux -C`, what every tool call uses now) against the way it was done before
 * it moved into the container, one host `tmux -S <socket>` process per command on the frame's socket
 * (unsafe with a frame's server, fine with this bench's own frame). Each operation is the same
 * sequence of tmux commands both ways: a send and a capture as tmux_send_text then
 * tmux_capture_pane make them (the window looked up first, each time), and the window list and
 * screen that agent_status reads. The services run in this process, following podman events as
 * the daemon does. Rounds alternate, so the machine's load hits both alike.
 */
export async function benchTmuxChannel(home: BenchHome, frame: string): Promise<Figure[]> {
  const services = createServices(new OptagonHome(home.root));
  services.frames.frames.followingEvents = true;
  const { tmux } = services;
  try {
    const socket = join(services.frames.frames.socketDir((await tmux.reach(frame)).frame.id), 'tmux.sock');
    const host = async (args: string[]) => {
      const r = await runCommand('tmux', ['-S', socket, ...args], { timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
      return r.stdout;
    };
    const oursRoundTrip = async (i: number) => {
      await tmux.sendText(frame, '0', `: round-${i}`, false);
      await tmux.capture(frame, '0', { lines: 50, ansi: false });
    };
    const socketRoundTrip = async (i: number) => {
      const id = (await host(['list-windows', '-t', 'main', '-F', LIST_FORMAT])).split('\t')[1]!;
      await host(['send-keys', '-t', id, '-l', '--', `: round-${i}`]);
      await host(['list-windows', '-t', 'main', '-F', LIST_FORMAT]);
      await host(['capture-pane', '-p', '-J', '-t', id, '-S', '-50']);
    };
    const oursStatus = async () => {
      const at = await tmux.reach(frame);
      const w = (await tmux.windowsAt(at))[0]!;
      await tmux.captureAt(at, w.id, { lines: 40, ansi: false });
    };
    const socketStatus = async () => {
      const id = (await host(['list-windows', '-t', 'main', '-F', LIST_FORMAT])).split('\t')[1]!;
      await host(['capture-pane', '-p', '-J', '-t', id, '-S', '-40']);
    };
    const time = async (f: () => Promise<void>) => {
      const start = performance.now();
      await f();
      return performance.now() - start;
    };
    await oursRoundTrip(0); // the channel opens once, outside the measurement
    const samples = { rt: [] as number[], rtSocket: [] as number[], st: [] as number[], stSocket: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      samples.rt.push(await time(() => oursRoundTrip(i)));
      samples.rtSocket.push(await time(() => socketRoundTrip(i)));
      samples.st.push(await time(oursStatus));
      samples.stSocket.push(await time(socketStatus));
    }
    await tmux.sendKeys(frame, '0', ['C-u']);
    return [
      {
        name: 'tmux_send_text → tmux_capture_pane (exec channel)',
        ours: stats(samples.rt),
        peer: stats(samples.rtSocket),
        peerName: 'host socket',
        goal: 1.5,
      },
      {
        name: "agent_status's tmux reads (exec channel)",
        ours: stats(samples.st),
        peer: stats(samples.stSocket),
        peerName: 'host socket',
        goal: 1.5,
      },
    ];
  } finally {
    services.close();
  }
}
