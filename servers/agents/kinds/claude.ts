import type { AgentKind } from './agent-kind.js';

/**
 * Claude Code. Strings read from v2.1.330 and v2.1.331 in a frame: the footer says "esc to interrupt" while it
 * works; the input box is a rule of ─ with "❯" under it; a permission dialog asks "Do you want to
 * …?" over a numbered menu ("❯ 1. Yes" … "Esc to cancel"), where `1` allows and Escape denies (`y`
 * does nothing there). State comes from hooks first (see claude-config.ts), this screen second.
 */
export const claudeKind: AgentKind = {
  kind: 'claude',
  profileVersion: 1,
  verifiedWith: '2.1.331',
  program: 'claude',
  args: ({ permissionMode }) => ['--permission-mode', permissionMode],
  hooks: true,
  screen: {
    busy: /esc to interrupt/i,
    ready: /^─{20,}\n❯/m,
    permission: /Do you want to [^\n]*\?[\s\S]*1\. Yes[\s\S]*Esc to cancel/,
  },
  dialogs: [
    // Seeded away in .claude.json (claude-config.ts); answered here when a CLI version asks anyway.
    {
      what: 'trust this folder',
      pattern:
        /(trust the files in this folder|Is this a project you created or one you trust|Yes, I trust this folder)/i,
      keys: ['Enter'],
    },
    {
      what: 'use the API key from the environment',
      pattern: /Do you want to use this API key\?/i,
      keys: ['Up', 'Enter'],
    },
    // "New MCP server found in this project: x" over a menu whose default is "Continue without";
    // one Up selects "Use this and all future MCP servers in this project".
    { what: 'new MCP servers in the project', pattern: /New MCP servers? found in/i, keys: ['Up', 'Enter'] },
    { what: 'pick a theme', pattern: /Choose the text style|Let's get started/i, keys: ['Enter'] },
    { what: 'press Enter to continue', pattern: /Press Enter to continue/i, keys: ['Enter'] },
  ],
  settleMs: 0,
  approve: { allow: ['1'], deny: ['Escape'] },
  passEnv: [
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_MODEL',
    'ANTHROPIC_SMALL_FAST_MODEL',
    'ANTHROPIC_DEFAULT_SONNET_MODEL',
    'ANTHROPIC_DEFAULT_OPUS_MODEL',
    'ANTHROPIC_DEFAULT_HAIKU_MODEL',
    'ANTHROPIC_CUSTOM_HEADERS',
    'CLAUDE_CODE_USE_BEDROCK',
    'CLAUDE_CODE_USE_VERTEX',
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'CLOUD_ML_REGION',
    'ANTHROPIC_VERTEX_PROJECT_ID',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
  ],
};
