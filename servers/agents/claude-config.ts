import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v && !Array.isArray(v) ? v : {};
  } catch {
    return {}; // a broken file is replaced rather than blocking every agent of the frame
  }
}

function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Prepares the Claude Code config directory of a frame's agents, on the host side of the mount
 * (`hostDir` is seen in the frame as CLAUDE_CONFIG_DIR_IN_FRAME). Kept outside the user's repo and
 * home: the settings add Optagon's state hooks, and `.claude.json` answers the first-run
 * questions ahead (onboarding done, /workspace trusted, the environment's API key accepted), so
 * an agent reaches its prompt without a person. What is already there is kept and merged into.
 * Conversations land here too (projects/), where agent_read finds them.
 */
export function prepareClaudeConfig(hostDir: string, opts: { apiKey?: string }): void {
  mkdirSync(hostDir, { recursive: true, mode: 0o700 });

  const stateFile = join(hostDir, '.claude.json');
  const state = readJson(stateFile);
  const projects = (state.projects ?? {}) as Record<string, Record<string, unknown>>;
  const keys = (state.customApiKeyResponses ?? { approved: [], rejected: [] }) as { approved: string[]; rejected: string[] };
  if (opts.apiKey) {
    const suffix = opts.apiKey.slice(-20); // Claude Code remembers accepted keys by their last 20 characters
    keys.approved = [...new Set([...(keys.approved ?? []), suffix])];
    keys.rejected = (keys.rejected ?? []).filter((k) => k !== suffix);
  }
  writeJson(stateFile, {
    ...state,
    // User scope, so every agent of the frame has it, and the user's repo is not touched.
    mcpServers: { ...(state.mcpServers as Record<string, unknown> | undefined), ...inFrameServers(hostDir) },
    hasCompletedOnboarding: true,
    lastOnboardingVersion: state.lastOnboardingVersion ?? claudeKind.verifiedWith,
    customApiKeyResponses: keys,
    projects: { ...projects, '/workspace': { ...projects['/workspace'], hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
  });

  const settingsFile = join(hostDir, 'settings.json');
  const settings = readJson(settingsFile);
  const hooks: Record<string, unknown[]> = {};
  for (const h of HOOKS) {
    (hooks[h.event] ??= []).push({
      ...(h.matcher ? { matcher: h.matcher } : {}),
      hooks: [{ type: 'command', command: `optagon-agent-hook ${h.state} ${h.event}`, timeout: 10 }],
    });
  }
  // The project's own .mcp.json servers are used without asking: the frame is the project's sandbox.
  writeJson(settingsFile, { ...settings, enableAllProjectMcpServers: true, hooks });
}

/** Where the in-frame browser server lands: the frame's run directory (mounted at /run/optagon). */
const BROWSER_SERVER_IN_FRAME = '/run/optagon/browser-server.mjs';
/** The image installs playwright-core globally (npm -g); ES modules do not search NODE_PATH, so it is named. */
const PLAYWRIGHT_IN_FRAME = '/usr/local/lib/node_modules/playwright-core/index.mjs';

/**
 * Optagon's MCP servers for agents inside the frame: the browser server (servers/browser/stdio.ts,
 * bundled by `npm run build`), copied fresh into the frame's run directory each time, so a frame
 * made before an upgrade gets the new one without a new image or container.
 */
function inFrameServers(hostDir: string): Record<string, unknown> {
  const bundle = join(packageRoot(), 'dist', 'frame', 'browser-server.mjs');
  if (!existsSync(bundle)) return {}; // a source checkout not built yet: agents go without it
  copyFileSync(bundle, join(dirname(hostDir), 'browser-server.mjs'));
  return {
    'optagon-browser': { type: 'stdio', command: 'node', args: [BROWSER_SERVER_IN_FRAME], env: { OPTAGON_PLAYWRIGHT: PLAYWRIGHT_IN_FRAME } },
  };
}
