import type { AgentKind } from './agent-kind.js';
import { claudeKind } from './claude.js';
import { opencodeKind } from './opencode.js';

export const agentKinds = { claude: claudeKind, opencode: opencodeKind } as const satisfies Record<
  AgentKind['kind'],
  AgentKind
>;
export type AgentKindName = keyof typeof agentKinds;
