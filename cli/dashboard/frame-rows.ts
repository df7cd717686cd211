import { setupOutcome } from '../../servers/shared/setup-outcome.js';
/** A frame as the dashboard shows it (frame_list's fields it uses). */
export interface FrameRow {
  id: string;
  name: string;
  status: string;
  lastActiveAt: string | null;
  /** Published ports, 3000 first. */
  ports: Array<{ container: number; host: number }>;
  setup?: { state: 'running' | 'succeeded' | 'failed'; exitCode?: number; step?: number };
}

/**
 * The frame's ports for its row, short for an 80-column terminal: `33600 33601→5173`, the host port
 * of 3000 alone (as the dashboard always showed it), then the others' host port→the frame's.
 */
export function portsCell(f: FrameRow): string {
  return f.ports.map((p) => (p.container === 3000 ? `${p.host}` : `${p.host}→${p.container}`)).join(' ') || '-';
}

/** The SETUP column: `failed`, or `running` while a running frame sets up; blank when done or never run. */
export function setupCell(f: FrameRow): { text: string; colour?: 'red' | 'yellow' } {
  if (f.setup?.state === 'failed') return { text: 'failed', colour: 'red' };
  if (f.setup?.state === 'running' && f.status === 'running') return { text: 'running', colour: 'yellow' };
  return { text: '' };
}

/** The line under the list for the selected frame when its setup failed: where, and how to run it again. */
export function setupNote(f: Pick<FrameRow, 'setup'>): string | undefined {
  if (f.setup?.state !== 'failed') return undefined;
  return `setup ${setupOutcome(f.setup)}: u runs it again; its window 'setup' shows why`;
}

export interface FrameStats {
  cpuPercent: number;
  memUsageBytes: number;
}

/** Frames whose name holds every character of the filter, in order (as a person types a shortening). */
export function matches(name: string, filter: string): boolean {
  let at = 0;
  for (const ch of filter.toLowerCase()) {
    at = name.toLowerCase().indexOf(ch, at) + 1;
    if (!at) return false;
  }
  return true;
}

/** An agent as the dashboard shows it (agent_list's fields it uses). */
export interface AgentRow {
  agent: string;
  frame: string;
  name: string;
  state: string;
  window: string | null;
  worktree: { branch: string } | null;
}

/** A line of the dashboard: a frame, or one of its agents under it. */
export type Row = { kind: 'frame'; frame: FrameRow } | { kind: 'agent'; frame: FrameRow; agent: AgentRow };

/**
 * The frames in order, each followed by its agents: those still there, and those that ended with
 * work on a branch of their own (still to review). An ended agent with nothing left is not shown.
 */
export function listRows(frames: FrameRow[], agents: AgentRow[]): Row[] {
  return frames.flatMap((frame): Row[] => [
    { kind: 'frame', frame },
    ...agents
      .filter((a) => a.frame === frame.name && (a.state !== 'exited' || a.worktree))
      .map((agent) => ({ kind: 'agent' as const, frame, agent })),
  ]);
}
