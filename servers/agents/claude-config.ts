import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../shared/package-root.js';
import { claudeKind } from './kinds/claude.js';

/** Where the agents' Claude Code keeps its config inside a frame: the host-mounted /run/optagon. */
export const CLAUDE_CONFIG_DIR_IN_FRAME = '/run/optagon/claude';

/** Hook event → the state it means, and the matcher it needs. Stop is the end of a turn. */
const HOOKS: Array<{ event: string; state: string; matcher?: string }> = [
  { event: 'SessionStart', state: 'idle' },
  { event: 'UserPromptSubmit', state: 'working' },
  { event: 'PreToolUse', state: 'working', matcher: '*' },
  { event: 'PostToolUse', state: 'working', matcher: '*' },
  { event: 'PermissionRequest', state: 'waiting_for_permission', matcher: '*' },
  { event: 'Notification', state: 'waiting_for_permission', matcher: 'permission_prompt' },
  { event: 'Notification', state: 'idle', matcher: 'idle_prompt' },
  { event: 'Stop', state: 'idle' },
  { event: 'StopFailure', state: 'idle' },
  { event: 'SessionEnd', state: 'exited' },
];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The frame wrote this file (Claude Code keeps its state there): parsed as untrusted, shapes checked. */
function parseObject(text: string | undefined): Obj {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : {};
  } catch {
    return {}; // a broken file is replaced rather than blocking every agent of the frame
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** The files of the agents' Claude Code config, by their name in CLAUDE_CONFIG_DIR_IN_FRAME. */
export interface ClaudeConfigFiles {
  '.claude.json': string;
  'settings.json': string;
}

/**
 * The Claude Code config of a frame's agents (seen in the frame as CLAUDE_CONFIG_DIR_IN_FRAME), made
 * from what is there now (`current`, read from the frame: untrusted). Kept outside the user's repo and
 * home: the settings add Optagon's state hooks, and `.claude.json` answers the first-run questions
 * ahead (onboarding done, /workspace and the agents' work trees trusted, the environment's API key accepted), so an agent
 * reaches its prompt without a person. What is already there is kept and merged into. The caller
 * writes the result into the frame (never from the host into the frame's directory).
 */
export function claudeConfigFiles(
  current: { state?: string; settings?: string },
  opts: { apiKey?: string; browserServer: boolean; trusted?: readonly string[] },
): ClaudeConfigFiles {
  const state = parseObject(current.state);
  const projects = isObject(state.projects) ? state.projects : {};
  const responses = isObject(state.customApiKeyResponses) ? state.customApiKeyResponses : {};
  const keys = { approved: strings(responses.approved), rejected: strings(responses.rejected) };
  if (opts.apiKey) {
    const suffix = opts.apiKey.slice(-20); // Claude Code remembers accepted keys by their last 20 characters
    keys.approved = [...new Set([...keys.approved, suffix])];
    keys.rejected = keys.rejected.filter((k) => k !== suffix);
  }
  const stateOut = {
    ...state,
    // User scope, so every agent of the frame has it, and the user's repo is not touched.
    mcpServers: {
      ...(isObject(state.mcpServers) ? state.mcpServers : {}),
      ...(opts.browserServer ? inFrameServers() : {}),
    },
    hasCompletedOnboarding: true,
    lastOnboardingVersion: state.lastOnboardingVersion ?? claudeKind.verifiedWith,
    customApiKeyResponses: keys,
    // /workspace, and the agents' own work trees: each is a project Claude Code asks about once.
    projects: {
      ...projects,
      ...Object.fromEntries(
        (opts.trusted ?? ['/workspace']).map((dir) => [
          dir,
          {
            ...(isObject(projects[dir]) ? projects[dir] : {}),
            hasTrustDialogAccepted: true,
            hasCompletedProjectOnboarding: true,
          },
        ]),
      ),
    },
  };

  const settings = parseObject(current.settings);
  const hooks: Record<string, unknown[]> = {};
  for (const h of HOOKS) {
    (hooks[h.event] ??= []).push({
      ...(h.matcher ? { matcher: h.matcher } : {}),
      hooks: [{ type: 'command', command: `optagon-agent-hook ${h.state} ${h.event}`, timeout: 10 }],
    });
  }
  // The project's own .mcp.json servers are used without asking: the frame is the project's sandbox.
  return {
    '.claude.json': json(stateOut),
    'settings.json': json({ ...settings, enableAllProjectMcpServers: true, hooks }),
  };
}

/** Where the in-frame browser server lands: the frame's run directory (mounted at /run/optagon). */
export const BROWSER_SERVER_IN_FRAME = '/run/optagon/browser-server.mjs';
/** The image installs playwright-core globally (npm -g); ES modules do not search NODE_PATH, so it is named. */
const PLAYWRIGHT_IN_FRAME = '/usr/local/lib/node_modules/playwright-core/index.mjs';

/**
 * The in-frame browser server (servers/browser/stdio.ts, bundled by `npm run build`), written fresh
 * into the frame each time an agent starts, so a frame made before an upgrade gets the new one
 * without a new image or container. Undefined in a source checkout not built yet: agents go without it.
 */
export function browserServerBundle(): string | undefined {
  const bundle = join(packageRoot(), 'dist', 'frame', 'browser-server.mjs');
  return existsSync(bundle) ? readFileSync(bundle, 'utf8') : undefined;
}

/**
 * Optagon's MCP servers for agents inside the frame. Claude Code hands a stdio server its own whole
 * environment (the model key with it), so the server starts under `env -i` with only what it needs:
 * no secret in its environment, nor in the browser's it starts.
 */
function inFrameServers(): Obj {
  const env = [
    'PATH=/usr/local/bin:/usr/bin:/bin',
    'HOME=/tmp',
    'LANG=C.UTF-8',
    'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH=/usr/bin/chromium',
    `OPTAGON_PLAYWRIGHT=${PLAYWRIGHT_IN_FRAME}`,
  ];
  return {
    'optagon-browser': { type: 'stdio', command: 'env', args: ['-i', ...env, 'node', BROWSER_SERVER_IN_FRAME] },
  };
}
