import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { OptagonTools } from '../../host/tool-results.js';
import { age, untrusted } from '../render.js';
import { megabytes } from '../../servers/shared/human-units.js';
import { matches, type FrameRow, type FrameStats } from './frame-rows.js';

/** CPU and memory come from podman stats, which has no events: asked this often for running frames. */
const STATS_EVERY_MS = 5000;
const LOG_EVERY_MS = 1000;
const COLOURS: Record<string, string> = {
  running: 'green',
  starting: 'yellow',
  paused: 'yellow',
  created: 'blue',
  stopped: 'gray',
  error: 'red',
};

const HELP = [
  ['↑/↓ j/k', 'select a frame'],
  ['s', 'start'],
  ['x', 'stop'],
  ['r', 'restart'],
  ['a, Enter', 'attach (the dashboard comes back when you detach: C-b d)'],
  ['g', 'open in Guake'],
  ['l', 'live log tail of the selected frame (l or Esc closes it)'],
  ['/', 'filter by name (Enter keeps it, Esc clears it)'],
  ['?', 'this help'],
  ['q', 'quit'],
];

type Mode = 'list' | 'filter' | 'help' | 'logs';

interface Props {
  tools: OptagonTools;
  onAttach(frame: string): void;
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

  const shown = useMemo(() => frames.filter((f) => matches(f.name, filter)), [frames, filter]);
  const placed = useRef(false);
  useEffect(() => {
    if (placed.current || !frames.length) return;
    placed.current = true;
    const at = shown.findIndex((f) => f.name === initial);
    if (at >= 0) setCursor(at);
  }, [frames, shown, initial]);
  const current = shown[Math.min(cursor, shown.length - 1)];

  useEffect(() => {
    if (mode !== 'logs' || !current) return;
    const tail = async () => setLogs((await tools.call('frame_logs', { frame: current.name, tail: 200 })).lines);
    void tail().catch((err: Error) => setLogs([err.message]));
    const timer = setInterval(() => void tail().catch(() => undefined), LOG_EVERY_MS);
    return () => clearInterval(timer);
  }, [tools, mode, current?.name]);

  const act = (tool: 'frame_start' | 'frame_stop' | 'frame_restart' | 'guake_open_frame', verb: string) => {
    if (!current) return;
    const name = current.name;
    setNote(`${verb} ${name}…`);
    tools.call(tool, { frame: name }).then(
      () => {
        setNote(`${verb} ${name}: done`);
        void load();
      },
      (err: Error) => setNote(err.message),
    );
  };

  // Keys typed fast (a script, a slow link) reach Ink as one string, "?/" or "api": outside the
  // filter each character is its own key, so none is lost and none is read as another.
  useInput((input, key) => {
    const single = modeNow.current === 'filter' || input.length <= 1 || key.ctrl || key.meta;
    for (const ch of single ? [input] : [...input]) onKey(ch, key);
  });
  const onKey = (input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
    const mode = modeNow.current;
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
    else if (key.downArrow || input === 'j') setCursor((c) => Math.min(shown.length - 1, c + 1));
    else if (input === 's') act('frame_start', 'starting');
    else if (input === 'x') act('frame_stop', 'stopping');
    else if (input === 'r') act('frame_restart', 'restarting');
    else if (input === 'g') act('guake_open_frame', 'opening in Guake');
    else if ((input === 'a' || key.return) && current) onAttach(current.name);
    else if (input === 'l' && current) setMode('logs');
    else if (input === '/') setMode('filter');
    else if (input === '?') setMode('help');
  };

  const rows = Math.max(3, (stdout.rows || 24) - 6);
  if (mode === 'help') {
    return (
      <Box flexDirection="column">
        <Text bold>optagon dashboard — keys</Text>
        {HELP.map(([k, what]) => (
          <Text key={k}>
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
  const start = Math.max(0, Math.min(cursor - rows + 1, shown.length - rows));
  return (
    <Box flexDirection="column">
      <Text bold>
        {'  '}
        {'NAME'.padEnd(20)} {'STATUS'.padEnd(9)} {'PORT'.padEnd(6)} {'ACTIVE'.padEnd(7)} {'CPU'.padStart(6)}{' '}
        {'MEM'.padStart(7)}
      </Text>
      {shown.slice(start, start + rows).map((f) => {
        const s = stats[f.name];
        const selected = f === current;
        return (
          <Text key={f.id} inverse={selected} wrap="truncate">
            {selected ? '> ' : '  '}
            {untrusted(f.name).slice(0, 20).padEnd(20)}{' '}
            <Text color={COLOURS[f.status] ?? 'white'}>{untrusted(f.status).padEnd(9)}</Text>{' '}
            {String(f.hostPort ?? '-').padEnd(6)} {age(f.lastActiveAt).padEnd(7)}{' '}
            {(s && f.status === 'running' && Number.isFinite(s.cpuPercent)
              ? `${s.cpuPercent.toFixed(1)}%`
              : '-'
            ).padStart(6)}{' '}
            {(s && f.status === 'running' && Number.isFinite(s.memUsageBytes)
              ? megabytes(s.memUsageBytes)
              : '-'
            ).padStart(7)}
          </Text>
        );
      })}
      {!shown.length && (
        <Text dimColor>
          {frames.length ? `no frame matches "${filter}"` : 'no frames yet: optagon frame create <name> -w <dir>'}
        </Text>
      )}
      <Text> </Text>
      <Text dimColor wrap="truncate">
        {mode === 'filter'
          ? `filter: ${filter}▏`
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
export async function runDashboard(tools: OptagonTools, attach: (frame: string) => Promise<void>): Promise<void> {
  let last: string | undefined;
  for (;;) {
    let chosen: string | undefined;
    // Back from tmux: start from a clean screen, not under what the detach left.
    if (last) process.stdout.write('\x1b[2J\x1b[H');
    const app = render(
      <Dashboard
        tools={tools}
        initial={last}
        onAttach={(frame) => {
          chosen = frame;
          app.unmount();
        }}
      />,
      // With Ink's console patch, the instance after an attach did not draw while stderr was the terminal.
      { patchConsole: false },
    );
    await app.waitUntilExit();
    if (!chosen) return;
    await attach((last = chosen));
  }
}
