/** What an agent is doing, as agent_status reports it. */
export const agentStates = ['starting', 'working', 'waiting_for_permission', 'idle', 'exited'] as const;
export type AgentState = (typeof agentStates)[number];

/** A startup dialog the agent CLI may show before its prompt, and the keys that answer it. */
export interface StartupDialog {
  what: string;
  pattern: RegExp;
  keys: string[];
}

/**
 * Everything Optagon knows about one agent CLI's screen and command line, in one versioned file per
 * kind: when the CLI changes its wording, only its file changes. `verifiedWith` is the CLI version
 * the strings were read from.
 */
export interface AgentKind {
  kind: 'claude' | 'opencode';
  profileVersion: number;
  verifiedWith: string;
  /** The program, looked up on the frame's PATH. */
  program: string;
  /** Arguments after the program; never user text (the task is typed in once the prompt is up). */
  args(opts: { permissionMode: string }): string[];
  /** True when the CLI reports its state through Optagon's hook script. */
  hooks: boolean;
  screen: {
    /** The agent is working on something. */
    busy: RegExp;
    /** The prompt is up and takes input. */
    ready: RegExp;
    /** A permission dialog is open. */
    permission: RegExp;
  };
  dialogs: StartupDialog[];
  /** How long after the prompt first shows the CLI needs before it takes typed input. */
  settleMs: number;
  /** Keys that answer an open permission dialog. */
  approve: { allow: string[]; deny: string[] };
  /** Environment variables passed from the daemon's own environment to the agent when set there. */
  passEnv: string[];
  /** Rewrites the environment for this CLI's conventions, when they differ. */
  adjustEnv?(env: Record<string, string>): Record<string, string>;
}
