import type { AgentKind } from './agent-kind.js';

/**
 * OpenCode. Strings read from v1.18.33 in a frame against the fake Anthropic API: the footer shows
 * "esc interrupt" while it works and "ctrl+p commands" with the input box ("┃" and the agent and
 * model line) when ready. It has no hooks for Optagon, so its state comes from the screen alone.
 * Its permission dialog was not seen in a test (OpenCode asks rarely by default); the pattern and
 * keys below follow its documented "Permission required" dialog (allow once is first).
 */
export const opencodeKind: AgentKind = {
  kind: 'opencode',
  profileVersion: 1,
  verifiedWith: '1.18.33',
  program: 'opencode',
  args: () => [],
  hooks: false,
  screen: {
    busy: /esc interrupt/i,
    ready: /ctrl\+p commands/,
    permission: /Permission required/i,
  },
  dialogs: [],
  // It draws its home screen before its input takes keys: typed right away, the Enter is lost.
  settleMs: 1500,
  approve: { allow: ['Enter'], deny: ['Escape'] },
  passEnv: [
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_API_KEY',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'OPENROUTER_API_KEY',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
  ],
  adjustEnv: (given) => {
    // As Claude Code's non-essential traffic is off: the image pins the version, and the models list
    // it was built with is the one that version knows. Fetched, the list costs a frame that cannot
    // reach models.dev 6 s of start-up, during which OpenCode shows a typed prompt as sent and then
    // drops it (seen under load: no request ever made). agents.env can set either back to 0.
    const env: Record<string, string> = {
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      ...given,
    };
    // OpenCode's Anthropic provider wants the base URL with its /v1; Claude Code's does not.
    return env.ANTHROPIC_BASE_URL && !/\/v1\/?$/.test(env.ANTHROPIC_BASE_URL)
      ? { ...env, ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL.replace(/\/$/, '') + '/v1' }
      : env;
  },
};
