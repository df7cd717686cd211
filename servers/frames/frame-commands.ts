import { z } from 'zod';
import type { CommandResult } from '../shared/run-command.js';
import { FRAME_SESSION, SOCKET_IN_FRAME } from './frame-channels.js';
import type { FrameFile } from './frame-exec.js';
import type { StartCommand } from './frame-project.js';

/** Where the scripts go in the frame: its run directory, which only the frame and Optagon see. */
const DIR = '/run/optagon/commands';
/** What the setup script leaves when it ends; the frame writes it, so it is read as untrusted. */
export const SETUP_STATUS_IN_FRAME = `${DIR}/setup.status`;
export const SETUP_WINDOW = 'setup';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const tmux = `tmux -S ${SOCKET_IN_FRAME}`;

/**
 * A window of the frame's session running a script; the pane keeps its output and exit status when
 * the script ends (remain-on-exit, set by the pane itself so not even a fast exit is missed).
 */
const windowFor = (name: string, script: string) =>
  `${tmux} new-window -d -t ${FRAME_SESSION}: -n ${q(name)} -c /workspace ` +
  q(`${tmux} set-option -w -t "$TMUX_PANE" remain-on-exit on; exec sh ${script}`);

/**
 * The scripts that run a frame's setup and start commands in its tmux session, written into the
 * frame at each start (so they follow the config): `launch.sh` opens the setup window when asked,
 * which runs the start commands when it ends; else it runs them itself. `start.sh NAME` (re)starts
 * one. Everything runs in the frame as the frame's own processes: nothing of this runs on the host.
 */
export function commandScripts(setup: readonly string[], start: readonly StartCommand[]): FrameFile[] {
  const steps = setup.map((c, i) => `printf '\\n$ %s\\n' ${q(c)}\nsh -c ${q(c)} || fail ${i + 1} $?`);
  const setupScript = [
    `# Optagon: this frame's setup commands, run once after its container was made`,
    `status=${SETUP_STATUS_IN_FRAME}`,
    `done_() { printf '%s' "$1" > "$status.tmp" && mv -f "$status.tmp" "$status"; }`,
    `fail() { echo; echo "optagon: setup failed at step $1 (exit $2); the frame runs on: fix it, then frame_run setup"; done_ "{\\"exit\\":$2,\\"step\\":$1}"; exec sh ${DIR}/start.sh; }`,
    `rm -f "$status"`,
    `cd /workspace || fail 0 1`,
    ...steps,
    `echo; echo 'optagon: setup done'`,
    `done_ '{"exit":0}'`,
    `exec sh ${DIR}/start.sh`,
  ].join('\n');
  const startScript = [
    `# Optagon: (re)starts this frame's start commands, or the one named`,
    // Names are checked (COMMAND_NAME) before they get here: safe inside double quotes.
    `run() {`,
    `  ${tmux} kill-window -t "=${FRAME_SESSION}:=$1" 2>/dev/null`,
    `  ${tmux} new-window -d -t ${FRAME_SESSION}: -n "$1" -c /workspace "${tmux} set-option -w -t \\"\\$TMUX_PANE\\" remain-on-exit on; exec sh ${DIR}/start-$1.sh"`,
    `}`,
    `if [ $# -gt 0 ]; then run "$1"; else`,
    ...start.map((c) => `  run ${q(c.name)}`),
    `  :`,
    `fi`,
  ].join('\n');
  const launch = [
    `# Optagon: at a start, the setup window (a new container) or the start commands`,
    `if [ "$1" = setup ]; then`,
    `  ${tmux} kill-window -t "=${FRAME_SESSION}:=${SETUP_WINDOW}" 2>/dev/null`,
    `  ${windowFor(SETUP_WINDOW, `${DIR}/setup.sh`)}`,
    `else exec sh ${DIR}/start.sh; fi`,
  ].join('\n');
  return [
    { path: `${DIR}/setup.sh`, content: setupScript },
    { path: `${DIR}/start.sh`, content: startScript },
    { path: `${DIR}/launch.sh`, content: launch },
    ...start.map((c) => ({ path: `${DIR}/start-${c.name}.sh`, content: `cd /workspace\n${c.command}\n` })),
  ];
}

/** argv that launches them at a start (setup: the container is new and the project has setup commands). */
export const launchArgv = (setup: boolean) => ['sh', `${DIR}/launch.sh`, ...(setup ? ['setup'] : [])];
/** argv that (re)starts one start command, or the setup. */
export const runArgv = (name: string) => (name === SETUP_WINDOW ? launchArgv(true) : ['sh', `${DIR}/start.sh`, name]);

/** How a command's window is: running, exited with a status, or not there. */
export interface CommandState {
  name: string;
  command: string;
  state: 'running' | 'exited' | 'missing';
  exitCode?: number;
}

/** argv listing the session's windows as `name<TAB>dead<TAB>status`. */
export const windowsArgv = [
  'tmux',
  '-S',
  SOCKET_IN_FRAME,
  'list-windows',
  '-t',
  FRAME_SESSION,
  '-F',
  '#{window_name}\t#{pane_dead}\t#{pane_dead_status}',
];

/** The start commands' states from `windowsArgv`'s output (the frame's tmux writes it: parsed with care). */
export function commandStates(start: readonly StartCommand[], listed: CommandResult | undefined): CommandState[] {
  const windows = new Map<string, { dead: boolean; status: number }>();
  for (const line of listed?.exitCode === 0 ? listed.stdout.split('\n') : []) {
    const [name, dead, status] = line.split('\t');
    if (name && !windows.has(name)) windows.set(name, { dead: dead === '1', status: Number(status) });
  }
  return start.map((c) => {
    const w = windows.get(c.name);
    if (!w) return { ...c, state: 'missing' };
    return w.dead
      ? { ...c, state: 'exited', ...(Number.isInteger(w.status) ? { exitCode: w.status } : {}) }
      : { ...c, state: 'running' };
  });
}

const setupStatus = z.object({ exit: z.number().int(), step: z.number().int().optional() });

/** The setup's outcome from the status file, or undefined while it runs (or the file is not ours to trust). */
export function parseSetupStatus(text: string | undefined): z.infer<typeof setupStatus> | undefined {
  if (!text) return undefined;
  try {
    const parsed = setupStatus.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
