import type { FrameRecord } from '../frames/state-store.js';
import type { AgentKind, AgentState } from './kinds/agent-kind.js';
import type { AgentKindName } from './kinds/index.js';
import type { AgentRecord } from './session-file.js';

export interface AgentStatus {
  agent: string;
  frame: string;
  name: string;
  kind: AgentKindName;
  state: AgentState;
  /** Where the state came from: the agent's hooks, or its screen. */
  source: 'hook' | 'screen';
  window: string | null;
  since: number | null;
  lastLines: string;
  createdAt: number;
  /** Its own work tree and branch; null when it works in /workspace itself. */
  worktree: { path: string; branch: string; base: string } | null;
}

/** An agent found: its frame, its record in session.json, and what kind of CLI it runs. */
export interface Located {
  frame: FrameRecord;
  record: AgentRecord;
  kind: AgentKind;
}
