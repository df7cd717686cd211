import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { OptagonTools } from '../../host/tool-results.js';
import { age, untrusted } from '../render.js';
import { megabytes } from '../../servers/shared/human-units.js';
import {
  listRows,
  matches,
  portsCell,
  setupCell,
  setupNote,
  type AgentRow,
  type FrameRow,
  type FrameStats,
  type Row,
} from './frame-rows.js';
import { DiffView, type AgentDiff } from './diff-view.js';

/** CPU and memory come from podman stats, which has no events: asked this often for running frames. */
const STATS_EVERY_MS = 5000;
const LOG_EVERY_MS = 1000;
/** Agents have no events either: their states are asked this often. */
const AGENTS_EVERY_MS = 2000;
const COLOURS: Record<string, string> = {
  running: 'green',
  starting: 'yellow',
  paused: 'yellow',
  created: 'blue',
  stopped: 'gray',
  error: 'red',
};

const HELP = [
  ['↑/↓ j/k', 'select a frame, or an agent under it'],
  ['', 'on a frame:'],
  ['s', 'start'],
  ['x', 'stop'],
  ['r', 'restart'],
  ['a, Enter', 'attach (the dashboard comes back when you detach: C-b d)'],
  ['g', 'open in Guake'],
  ['u', 'run its setup again (a failed setup shows in SETUP)'],
  ['l', 'live log tail of the selected frame (l or Esc closes it)'],
  ['', 'on an agent (! marks one waiting for you):'],
  ['d', 'its diff (j/k scroll, Esc closes)'],
  ['m', 'merge its branch into the frame’s (checkpointing its work first)'],
  ['x', 'discard its work tree and branch (asks)'],
  ['c', 'comment: your words go to it as its next message'],
  ['a, Enter', 'attach to its window'],
  ['', ''],
  ['/', 'filter by name (Enter keeps it, Esc clears it)'],
  ['?', 'this help'],
  ['q', 'quit'],
];

type Mode = 'list' | 'filter' | 'help' | 'logs' | 'diff' | 'comment' | 'discard';
/** An agent's state as the dashboard colours it; waiting for permission stands out. */
const AGENT_COLOURS: Record<string, string> = {
  working: 'cyan',
  starting: 'yellow',
  waiting_for_permission: 'yellowBright',
  idle: 'green',
  exited: 'gray',
};

interface Props {
  tools: OptagonTools;
  /** Attach to the frame's tmux session, at the agent's window when one is given. */
  onAttach(frame: string, window?: string): void;
  /** The frame to select at first: the one attached to, when the dashboard comes back. */
  initial?: string;
}

function Dashboard({ tools, onAttach, initial }: Props) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [frames, setFrames] = useState<FrameRow[]>([]);
  const [stats, setStats] = useState<Record<string, FrameStats>>({});
  const [cursor, setCursor] = useState(0);
  const [mode, setModeState] = useState<Mode>('list');
  // Keys can come faster than renders (a paste, a script): the handler reads the mode it set last.
  const modeNow = useRef<Mode>('list');
  const setMode = (m: Mode) => {
    modeNow.current = m;
    setModeState(m);
  };
  const [filter, setFilter] = useState('');
  const [note, setNote] = useState('loading…');
  const [logs, setLogs] = useState<string[]>([]);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [diff, setDiff] = useState<AgentDiff>();
  const [scroll, setScroll] = useState(0);
  const [comment, setComment] = useState('');
  /** The comment as typed so far: keys can come faster than renders, as for the mode. */
  const commentNow = useRef('');

  const load = useCallback(async () => {
    const { frames: list } = await tools.call('frame_list');
    setFrames(list);
    setNote((n) => (n === 'loading…' ? '' : n));
  }, [tools]);

  // From frames://list notifications when the daemon serves (it follows podman events); run
  // in-process (no daemon), nothing reports changes made elsewhere, so the list is asked every 2 s.
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    load().catch((err: Error) => setNote(err.message));
    const watched = tools.watch?.('frames://list', () => void load().catch(() => undefined));
    if (!watched) timer = setInterval(() => void load().catch(() => undefined), 2000);
    watched?.catch(() => (timer = setInterval(() => void load().catch(() => undefined), 2000)));
    return () => clearInterval(timer);
  }, [tools, load]);

  const running = frames
    .filter((f) => f.status === 'running')
    .map((f) => f.name)
    .join(',');
  useEffect(() => {
    const poll = async () => {
      const next: Record<string, FrameStats> = {};
      for (const name of running ? running.split(',') : []) {
        next[name] = await tools
          .call('frame_stats', { frame: name })
          .catch(() => ({ cpuPercent: NaN, memUsageBytes: NaN }));
      }
      setStats(next);
    };
    void poll();
    const timer = setInterval(() => void poll(), STATS_EVERY_MS);
    return () => clearInterval(timer);
  }, [tools, running]);

  useEffect(() => {
    if (!running) return setAgents([]);
    const poll = () =>
      tools.call('agent_list').then(
        (r) => setAgents(r.agents),
        () => undefined,
      );
    void poll();
    const timer = setInterval(() => void poll(), AGENTS_EVERY_MS);
    return () => clearInterval(timer);
  }, [tools, running]);

  const shown = useMemo(() => frames.filter((f) => matches(f.name, filter)), [frames, filter]);
  const lines = useMemo(() => listRows(shown, agents), [shown, agents]);
  const placed = useRef(false);
  useEffect(() => {
    if (placed.current || !frames.length) return;
    placed.current = true;
    const at = lines.findIndex((r) => r.kind === 'frame' && r.frame.name === initial);
    if (at >= 0) setCursor(at);
  }, [frames, lines, initial]);
  const row: Row | undefined = lines[Math.min(cursor, lines.length - 1)];
  const current = row?.frame;
  const agent = row?.kind === 'agent' ? row.agent : undefined;

  useEffect(() => {
    if (mode !== 'logs' || !current) return;
    const tail = async () => setLogs((await tools.call('frame_logs', { frame: current.name, tail: 200 })).lines);
    void tail().catch((err: Error) => setLogs([err.message]));
    const timer = setInterval(() => void tail().catch(() => undefined), LOG_EVERY_MS);
    return () => clearInterval(timer);
  }, [tools, mode, current?.name]);

  const act = (
    tool: 'frame_start' | 'frame_stop' | 'frame_restart' | 'guake_open_frame' | 'frame_run',
    verb: string,
  ) => {
    if (!current) return;
    const name = current.name;
    setNote(`${verb} ${name}…`);
    (tool === 'frame_run' ? tools.call(tool, { frame: name, name: 'setup' }) : tools.call(tool, { frame: name })).then(
      () => {
        setNote(`${verb} ${name}: done`);
        void load();
      },
      (err: Error) => setNote(err.message),
    );
  };
  /** Something done to the selected agent: its note as it goes, and what it answered. */
  const onAgent = (verb: string, run: (ref: string) => Promise<string>) => {
    if (!agent) return;
    const ref = agent.agent;
    setNote(`${verb} ${ref}…`);
    run(ref).then(
      (done) => setNote(`${ref}: ${done}`),
      (err: Error) => setNote(err.message),
    );
  };
  const showDiff = () =>
    onAgent('reading the diff of', async (ref) => {
      const d = await tools.call('agent_diff', { agent: ref });
      setDiff(d);
      setScroll(0);
      setMode('diff');
      return `${d.files.length} file${d.files.length === 1 ? '' : 's'} changed on ${d.branch}`;
    });
  // Merging is asked for in one key: what the agent has not committed is checkpointed first.
  const merge = () =>
    onAgent('merging', async (ref) => {
      await tools.call('agent_checkpoint', { agent: ref });
      const r = await tools.call('agent_merge', { agent: ref });
      return r.status === 'merged'
        ? `merged into ${r.into} as ${r.commit!.slice(0, 12)}`
        : `conflicts with ${r.into} in ${r.files.join(', ')}; nothing changed (c: ask it to rebase)`;
    });
  const discard = () =>
    onAgent('discarding', async (ref) => {
      await tools.call('agent_discard', { agent: ref, confirm: true });
      return 'discarded: its work tree and branch are gone';
    });
  const send = (text: string) =>
    onAgent('commenting to', async (ref) => {
      await tools.call('agent_comment', { agent: ref, text });
      return 'comment sent';
    });

  const rows = Math.max(3, (stdout.rows || 24) - 6);
  // Keys typed fast (a script, a slow link) reach Ink as one string, "?/" or "api": outside the
  // filter each character is its own key, so none is lost and none is read as another.
  useInput((input, key) => {
    const typing = modeNow.current === 'filter' || modeNow.current === 'comment';
    const single = typing || input.length <= 1 || key.ctrl || key.meta;
    for (const ch of single ? [input] : [...input]) onKey(ch, key);
  });
  const onKey = (input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
    const mode = modeNow.current;
    if (mode === 'comment') {
      // Typed text can come with its Enter in one string: the text is kept, then the Enter sends it.
      const typed = input.replace(/[\r\n]/g, '');
      if (key.backspace || key.delete) commentNow.current = commentNow.current.slice(0, -1);
      else if (typed && !key.ctrl && !key.meta && !key.escape) commentNow.current += typed;
      if (key.escape || key.return || /[\r\n]/.test(input)) {
        if (!key.escape && commentNow.current.trim()) send(commentNow.current.trim());
        commentNow.current = '';
        setMode('list');
      }
      setComment(commentNow.current);
      return;
    }
    if (mode === 'discard') {
      if (input === 'y') discard();
      else setNote('kept');
      setMode('list');
      return;
    }
    if (mode === 'diff') {
      if (key.escape || input === 'q' || input === 'd') setMode('list');
      else if (key.downArrow || input === 'j') setScroll((n) => n + 1);
      else if (key.upArrow || input === 'k') setScroll((n) => Math.max(0, n - 1));
      else if (input === ' ' || key.pageDown) setScroll((n) => n + rows);
      else if (key.pageUp) setScroll((n) => Math.max(0, n - rows));
      return;
    }
    if (mode === 'filter') {
      if (key.escape) {
        setFilter('');
        setMode('list');
      } else if (key.return) setMode('list');
      else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setFilter((f) => f + input);
      return;
    }
    if (mode === 'help' || mode === 'logs') {
      if (key.escape || input === 'q' || input === '?' || (mode === 'logs' && input === 'l')) setMode('list');
      return;
    }
    if (input === 'q') return exit();
    if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (key.downArrow || input === 'j') setCursor((c) => Math.min(lines.length - 1, c + 1));
    else if (agent) {
      if (input === 'd') showDiff();
      else if (input === 'm') merge();
      else if (input === 'x') {
        setNote(
          `discard ${agent.agent}: its work tree and branch, with every change? y to discard, any other key keeps it`,
        );
        setMode('discard');
      } else if (input === 'c') setMode('comment');
      else if ((input === 'a' || key.return) && current) {
        if (agent.window) onAttach(current.name, agent.window);
        else setNote(`${agent.agent} has exited: it has no window to attach to`);
      } else if (input === '/') setMode('filter');
      else if (input === '?') setMode('help');
    } else if (input === 's') act('frame_start', 'starting');
    else if (input === 'x') act('frame_stop', 'stopping');
    else if (input === 'r') act('frame_restart', 'restarting');
    else if (input === 'g') act('guake_open_frame', 'opening in Guake');
    else if (input === 'u') act('frame_run', 'running the setup again in');
    else if ((input === 'a' || key.return) && current) onAttach(current.name);
    else if (input === 'l' && current) setMode('logs');
    else if (input === '/') setMode('filter');
    else if (input === '?') setMode('help');
  };

  if (mode === 'diff' && diff) return <DiffView diff={diff} scroll={scroll} rows={rows + 3} />;
  if (mode === 'help') {
    return (
      <Box flexDirection="column">
        <Text bold>optagon dashboard — keys</Text>
        {HELP.map(([k, what], i) => (
          <Text key={i}>
            <Text color="cyan">{k!.padEnd(10)}</Text> {what}
          </Text>
        ))}
        <Text dimColor>Esc or ? closes this help</Text>
      </Box>
    );
  }
  if (mode === 'logs' && current) {
    return (
      <Box flexDirection="column">
        <Text bold>log of {current.name} (l or Esc closes)</Text>
        {logs.slice(-(rows + 2)).map((line, i) => (
          <Text key={i} wrap="truncate">
            {untrusted(line)}
          </Text>
        ))}
      </Box>
    );
  }
  const start = Math.max(0, Math.min(cursor - rows + 1, lines.length - rows));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'  '}
        {'NAME'.padEnd(20)} {'STATUS'.padEnd(9)} {'SETUP'.padEnd(7)} {'ACTIVE'.padEnd(7)} {'CPU'.padStart(6)}{' '}
        {'MEM'.padStart(7)} PORTS
      </Text>
      {lines.slice(start, start + rows).map((line) => {
        const f = line.frame;
        const selected = line === row;
        if (line.kind === 'agent') {
          const a = line.agent;
          const needsYou = a.state === 'waiting_for_permission';
          return (
            <Text key={a.agent} inverse={selected} wrap="truncate">
              {selected ? '> ' : '  '}
              {needsYou ? (
                <Text color="yellowBright" bold>
                  !{' '}
                </Text>
              ) : (
                '  '
              )}
              {untrusted(a.name).slice(0, 18).padEnd(18)}{' '}
              <Text color={AGENT_COLOURS[a.state] ?? 'white'} bold={needsYou}>
                {(needsYou ? 'NEEDS YOU' : untrusted(a.state)).padEnd(9)}
              </Text>{' '}
              <Text dimColor>{a.worktree ? untrusted(a.worktree.branch) : 'in /workspace'}</Text>
            </Text>
          );
        }
        const s = stats[f.name];
        const setup = setupCell(f);
        return (
          <Text key={f.id} inverse={selected} wrap="truncate">
            {selected ? '> ' : '  '}
            {untrusted(f.name).slice(0, 20).padEnd(20)}{' '}
            <Text color={COLOURS[f.status] ?? 'white'}>{untrusted(f.status).padEnd(9)}</Text>{' '}
            <Text color={setup.colour} bold={setup.colour === 'red'}>
              {setup.text.padEnd(7)}
            </Text>{' '}
            {age(f.lastActiveAt).padEnd(7)}{' '}
            {(s && f.status === 'running' && Number.isFinite(s.cpuPercent)
              ? `${s.cpuPercent.toFixed(1)}%`
              : '-'
            ).padStart(6)}{' '}
            {(s && f.status === 'running' && Number.isFinite(s.memUsageBytes)
              ? megabytes(s.memUsageBytes)
              : '-'
            ).padStart(7)}{' '}
            {portsCell(f)}
          </Text>
        );
      })}
      {!shown.length && (
        <Text dimColor>
          {frames.length ? `no frame matches "${filter}"` : 'no frames yet: optagon frame create <name> -w <dir>'}
        </Text>
      )}
      {/* The selected frame's failed setup in the spacer line: said where the eye is, and no row is lost. */}
      <Text color="red" wrap="truncate">
        {(current && !agent && untrusted(setupNote(current) ?? '')) || ' '}
      </Text>
      <Text dimColor wrap="truncate">
        {mode === 'filter'
          ? `filter: ${filter}▏`
          : mode === 'comment'
            ? `comment to ${agent?.agent}: ${comment}▏ (Enter sends, Esc cancels)`
            : agent
              ? `${agent.agent} · d diff m merge x discard c comment a attach · ? help q quit`
              : `${shown.length}/${frames.length} frames${filter ? ` matching "${filter}"` : ''} · s start x stop r restart a attach g guake l log / filter ? help q quit`}
      </Text>
      <Text wrap="truncate">{untrusted(note)}</Text>
    </Box>
  );
}

/**
 * `optagon dashboard`: every frame, live. Attaching leaves Ink (the terminal is tmux's until you
 * detach), then the dashboard comes back where it was.
 */
export async function runDashboard(
  tools: OptagonTools,
  attach: (frame: string, window?: string) => Promise<void>,
): Promise<void> {
  let last: string | undefined;
  for (;;) {
    let chosen: string | undefined;
    let window: string | undefined;
    // Back from tmux: start from a clean screen, not under what the detach left.
    if (last) process.stdout.write('\x1b[2J\x1b[H');
    const app = render(
      <Dashboard
        tools={tools}
        initial={last}
        onAttach={(frame, at) => {
          chosen = frame;
          window = at;
          app.unmount();
        }}
      />,
      // With Ink's console patch, the instance after an attach did not draw while stderr was the terminal.
      { patchConsole: false },
    );
    await app.waitUntilExit();
    if (!chosen) return;
    await attach((last = chosen), window);
  }
}
