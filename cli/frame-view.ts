import type { ResultOf } from '../host/tool-results.js';
import { setupOutcome } from '../servers/shared/setup-outcome.js';
import { ago, bold, cyan, dim, green, red, status, table, untrusted, yellow } from './render.js';

type Frame = ResultOf<'frame_list'>['frames'][number];
type FrameGet = ResultOf<'frame_get'>;
type Project = FrameGet['project'];
type CommandState = FrameGet['commands'][number];
type Port = Pick<Frame['ports'][number], 'host' | 'container'>;
type Setup = Frame['setup'];

/** Ports a `frame list` row names before it says how many more: the table stays one line a frame. */
const PORTS_IN_A_ROW = 3;

/** "33600→3000, 33601→5173": the host port first (what a browser opens), the frame's port after the arrow. */
export function portPairs(ports: Port[], max = Infinity): string {
  if (!ports.length) return '-';
  const shown = ports.slice(0, max).map((p) => `${p.host}→${p.container}`);
  return shown.join(', ') + (ports.length > max ? `, +${ports.length - max} more` : '');
}

/**
 * Where the setup is, when it needs saying: it failed (whatever the frame's status now, the container
 * keeps that outcome), or it still runs in a running frame. Nothing when it succeeded or never ran.
 */
function setupProblem(f: { status: string; setup?: Setup }): string | undefined {
  const s = f.setup;
  if (s?.state === 'failed') return 'setup failed';
  if (s?.state === 'running' && f.status === 'running') return 'setting up';
  return undefined;
}

/** A frame's status, with its setup when that needs saying: `running (setup failed)`. */
export function frameStatus(f: { status: string; setup?: Setup }): string {
  const problem = setupProblem(f);
  if (!problem) return status(f.status);
  return `${status(f.status)} ${(f.setup?.state === 'failed' ? red : yellow)(`(${problem})`)}`;
}

export { setupOutcome };

/** `frame list`: one line a frame. */
export function framesTable(frames: Frame[]): string {
  return table(
    ['NAME', 'STATUS', 'PORTS', 'WORKSPACE', 'ACTIVE'],
    frames.map((f) => [
      untrusted(f.name),
      frameStatus(f),
      portPairs(f.ports, PORTS_IN_A_ROW),
      untrusted(f.workspace),
      ago(f.lastActiveAt),
    ]),
  );
}

/** A frame in one line: its name, status (and setup) and the app on its port 3000. */
export function frameLine(f: Frame): string {
  const where = f.url ? ` · ${cyan(untrusted(f.url))}` : '';
  return `${bold(untrusted(f.name))} ${frameStatus(f)}${where}`;
}

const KEY_WIDTH = 12;
/** `  key          value`, and a value of several lines indented under its first. */
function facts(rows: Array<[string, string | string[] | undefined]>): string[] {
  return rows.flatMap(([k, v]) => {
    const lines = typeof v === 'string' ? [v] : (v ?? []);
    if (!lines.length) return [];
    return lines.map((line, i) => `  ${dim((i ? '' : k).padEnd(KEY_WIDTH))} ${line}`);
  });
}

function resources(r: Project['resources']): string | undefined {
  const parts = [
    r.cpus !== undefined ? `${r.cpus} CPU${r.cpus === 1 ? '' : 's'}` : '',
    r.memory !== undefined ? `${untrusted(r.memory)} memory` : '',
    r.pids !== undefined ? `${r.pids} processes` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

function network(n: Project['network']): string {
  if (typeof n === 'string') return n === 'none' ? 'none (no network at all)' : 'full';
  return n.allowlist.length ? `only ${n.allowlist.map(untrusted).join(', ')}` : 'only the hosts allowed (none yet)';
}

/** What makes a change that waits for the next start take effect: a restart, or a start of a frame not running. */
const startCommand = (f: { name: string; status: string }) =>
  `optagon frame ${f.status === 'running' ? 'restart' : 'start'} ${untrusted(f.name)}`;

/** Each published port's URL, then the ones the config names that the container does not publish yet. */
function portLines(f: Frame, p: Project): string[] {
  const published = f.ports.map((port) => `${cyan(untrusted(port.url))} → ${port.container}`);
  const later = p.ports
    .filter((c) => !f.ports.some((port) => port.container === c))
    .map((c) => dim(`${c}: published at the next start (${startCommand(f)})`));
  return published.length || later.length ? [...published, ...later] : ['-'];
}

/** The project's settings worth a line: resources and network only when limited, lists only when there are some. */
function projectFacts(p: Project): Array<[string, string | string[] | undefined]> {
  const list = (items: string[]) => (items.length ? items.join(', ') : undefined);
  return [
    ['image', untrusted(p.image)],
    ['resources', resources(p.resources)],
    ['network', p.network === 'full' ? undefined : network(p.network)],
    ['env', list(p.envNames.map(untrusted))],
    [
      'mounts',
      p.mounts.map((m) => `${untrusted(m.source)} → ${untrusted(m.target)}${m.readOnly ? dim(' (read-only)') : ''}`),
    ],
    ['ssh agent', p.sshAgent ? 'forwarded' : undefined],
    ['hosts', list(Object.entries(p.hosts).map(([h, ip]) => `${untrusted(h)} → ${untrusted(ip)}`))],
  ];
}

/** The setup: its outcome, each of its commands (the failed one marked), and how to run it again. */
function setupSection(name: string, p: Project, s: Setup): string[] {
  if (!p.setup.length && !s) return [];
  const head = s
    ? `${bold('Setup')} ${(s.state === 'failed' ? red : s.state === 'running' ? yellow : green)(setupOutcome(s))} ${dim(ago(s.at))}`
    : `${bold('Setup')} ${dim('not run yet (it runs when the frame starts in a new container)')}`;
  const steps = p.setup.map((command, i) => {
    const failed = s?.state === 'failed' && s.step === i + 1;
    const mark = failed ? red(`  ✗ exit ${s.exitCode ?? '?'}`) : '';
    return `  ${dim(String(i + 1).padStart(2))} ${untrusted(command)}${mark}`;
  });
  const again =
    s?.state === 'failed'
      ? [`  fix it, then run it again: ${cyan(`optagon frame run ${untrusted(name)} setup`)}`]
      : p.setup.length && s
        ? [dim(`  run it again: optagon frame run ${untrusted(name)} setup`)]
        : [];
  return [head, ...steps, ...again];
}

/** A start command's window: `running`, `exited (1)`, `missing`; `-` while the frame does not run. */
export function commandState(c: CommandState | undefined): string {
  if (!c) return dim('-');
  if (c.state === 'running') return green('running');
  if (c.state === 'exited')
    return (c.exitCode ? red : dim)(`exited${c.exitCode !== undefined ? ` (${c.exitCode})` : ''}`);
  return yellow('missing');
}

/** The start commands with their windows' states (as frame_get and frame_run answer them). */
export function commandsTable(start: Array<{ name: string; command: string }>, states: CommandState[]): string {
  // A window the project no longer names (its config changed since the start) is listed too.
  const rows = [...start, ...states.filter((c) => !start.some((s) => s.name === c.name))];
  return table(
    ['COMMAND', 'STATE', 'RUNS'],
    rows.map((c) => [untrusted(c.name), commandState(states.find((s) => s.name === c.name)), untrusted(c.command)]),
  );
}

function commandsSection(r: FrameGet): string[] {
  if (!r.project.start.length) return [];
  const name = untrusted(r.frame.name);
  return [
    bold('Start commands'),
    commandsTable(r.project.start, r.commands),
    dim(
      r.frame.status === 'running'
        ? `  restart one: optagon frame run ${name} <command>`
        : `  they run in windows of their own when the frame starts: optagon frame start ${name}`,
    ),
  ];
}

function devcontainerSection(p: Project): string[] {
  const dc = p.devcontainer;
  if (!dc) return [];
  const gave = dc.keys.length
    ? `gave ${dc.keys.map(untrusted).join(', ')} (the frame's config sets none of them)`
    : "gave nothing (the frame's config sets all it offers)";
  return [`${bold(untrusted(dc.file))} ${gave}`, ...dc.warnings.map((w) => `  ${yellow('warning:')} ${untrusted(w)}`)];
}

/** `frame get`: the frame, what it runs with, its setup, its start commands, devcontainer.json, recent events. */
export function frameDetails(r: FrameGet): string {
  const f = r.frame;
  const head = [
    frameLine(f),
    ...facts([
      ['id', f.id],
      ['description', f.description ? untrusted(f.description) : undefined],
      ['workspace', untrusted(f.workspace)],
      ['ports', portLines(f, r.project)],
      ...projectFacts(r.project),
      [
        'container',
        `${untrusted(f.containerName)}${f.containerId ? ` (${untrusted(f.containerId.slice(0, 12))})` : ''}`,
      ],
      ['tmux socket', untrusted(f.tmuxSocket)],
      ['group id', untrusted(f.groupId)],
      ['created', f.createdAt],
      ['last active', f.lastActiveAt ?? '-'],
    ]),
  ];
  const sections = [
    head,
    setupSection(f.name, r.project, f.setup),
    commandsSection(r),
    devcontainerSection(r.project),
    r.events.length ? [eventsTable(r.events)] : [],
  ];
  return sections
    .filter((s) => s.length)
    .map((s) => s.join('\n'))
    .join('\n\n');
}

type Event = FrameGet['events'][number];

export function eventsTable(events: Event[]): string {
  return table(
    ['WHEN', 'EVENT', 'DETAILS'],
    events.map((e) => [
      new Date(e.at).toLocaleString(),
      untrusted(e.type),
      e.details ? dim(untrusted(JSON.stringify(e.details))) : '',
    ]),
  );
}

/** `frame run`: what was started, and the start commands as they are now. */
export function runSummary(r: ResultOf<'frame_run'>, name: string): string {
  const frame = untrusted(r.frame.name);
  if (name === 'setup') {
    return [
      `Running the setup of ${bold(frame)} again, in its window 'setup'`,
      dim(`  watch it: optagon frame attach ${frame}; how it went: optagon frame get ${frame}`),
    ].join('\n');
  }
  const started = r.commands.find((c) => c.name === name);
  return [
    `Started ${bold(untrusted(name))} in ${bold(frame)}${started ? `: ${commandState(started)}` : ''}`,
    ...(r.commands.length ? [commandsTable([], r.commands)] : []),
  ].join('\n');
}

/** When a change takes effect, if not at once, with the command that makes it so (for the tool's name). */
export function appliesNote(frame: { name: string; status: string }, applies: string): string {
  const when = untrusted(applies).replace(' (frame_restart)', '');
  return `${yellow('note:')} ${when}; ${frame.status === 'running' ? 'restart it' : 'start it'} with: ${startCommand(frame)}\n`;
}
