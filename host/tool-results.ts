import type { agentTools } from '../servers/agents/tools.js';
import type { browserTools } from '../servers/browser/tools.js';
import type { contextTools } from '../servers/context/tools.js';
import type { frameTools } from '../servers/frames/tools.js';
import type { guakeTools } from '../servers/guake/tools.js';
import type { managerTools } from '../servers/manager/tools.js';
import type { ToolResults } from '../servers/shared/define-tool.js';
import type { ToolCaller } from '../servers/shared/tool-caller.js';
import type { tmuxTools } from '../servers/tmux/tools.js';

/**
 * Every Optagon tool's answer by name, from the tools' own output schemas. Clients (the CLI, the web
 * page, the tests) import it as a type only: nothing of the servers goes into their bundles.
 */
export type OptagonResults = ToolResults<
  (
    | typeof frameTools
    | typeof tmuxTools
    | typeof agentTools
    | typeof contextTools
    | typeof managerTools
    | typeof browserTools
    | typeof guakeTools
  )[number]
>;

/** A client of all of Optagon's tools, each call typed with its tool's answer. */
export type OptagonTools = ToolCaller<OptagonResults>;

/** One tool's answer. */
export type ResultOf<N extends keyof OptagonResults> = OptagonResults[N];
