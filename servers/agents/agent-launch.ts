import type { FrameFile } from '../frames/frame-exec.js';
import { AGENT_DIR_IN_FRAME } from './agent-states.js';
import {
  BROWSER_SERVER_IN_FRAME,
  browserServerBundle,
  CLAUDE_CONFIG_DIR_IN_FRAME,
  claudeConfigFiles,
} from './claude-config.js';
import type { AgentKind } from './kinds/agent-kind.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The agent's environment: the keys its kind takes from Optagon's, then the frame config's `agents.env`. */
export function agentEnvironment(
  kind: AgentKind,
  name: string,
  fromConfig: Record<string, string>,
  source: NodeJS.ProcessEnv,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of kind.passEnv) if (source[key]) env[key] = source[key]!;
  Object.assign(env, fromConfig);
  if (kind.kind === 'claude') {
    env.CLAUDE_CONFIG_DIR = CLAUDE_CONFIG_DIR_IN_FRAME;
    env.DISABLE_AUTOUPDATER ??= '1'; // the image pins the version; frames may not reach the update server
    env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC ??= '1';
  }
  env.OPTAGON_AGENT = name;
  return kind.adjustEnv ? kind.adjustEnv(env) : env;
}

/**
 * What an agent's window needs before it opens: the files to write into the frame and the command
 * the window runs. The environment goes through a file the window sources and removes, so keys stay
 * out of argv; every file goes in by a write inside the frame (FrameManager.writeFiles), never where
 * the host would follow a link the frame planted. `current` reads Claude Code's config as the frame
 * left it, to be merged (as untrusted input) rather than overwritten.
 */
export function launch(opts: {
  kind: AgentKind;
  name: string;
  permissionMode: string;
  env: Record<string, string>;
  trusted: string[];
  current: (file: '.claude.json' | 'settings.json') => string | undefined;
}): { files: FrameFile[]; command: string } {
  const { kind, name, env } = opts;
  const envFile = `${AGENT_DIR_IN_FRAME}/${name}.env`;
  const files: FrameFile[] = [
    { path: `${AGENT_DIR_IN_FRAME}/${name}.json`, content: null }, // the last agent of this name's state
    {
      path: envFile,
      content: Object.entries(env)
        .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
        .join(''),
    },
  ];
  if (kind.kind === 'claude') {
    const browser = browserServerBundle();
    const config = claudeConfigFiles(
      { state: opts.current('.claude.json'), settings: opts.current('settings.json') },
      {
        browserServer: browser !== undefined,
        trusted: opts.trusted,
        ...(env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY } : {}),
      },
    );
    for (const [file, content] of Object.entries(config))
      files.push({ path: `${CLAUDE_CONFIG_DIR_IN_FRAME}/${file}`, content });
    if (browser !== undefined) files.push({ path: BROWSER_SERVER_IN_FRAME, content: browser });
  }
  const program = [kind.program, ...kind.args({ permissionMode: opts.permissionMode })].map(shellQuote).join(' ');
  return { files, command: `. ${shellQuote(envFile)} && rm -f ${shellQuote(envFile)} && exec ${program}` };
}
