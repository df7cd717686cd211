/** A frame as the dashboard shows it (frame_list's fields it uses). */
export interface FrameRow {
  id: string;
  name: string;
  status: string;
  hostPort: number | null;
  lastActiveAt: string | null;
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
