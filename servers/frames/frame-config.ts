import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { PROVIDERS } from '../shared/llm-provider.js';
import { tighten } from '../shared/private-files.js';
import { conditionProblem } from '../shared/routing-condition.js';
import { projectConfigSchema } from './frame-project-config.js';

/** manager.behavior, each field with its default: the manager reads a frame's through this, so the defaults live here only. */
export const managerBehaviorSchema = z.object({
  auto_spawn_agents: z.boolean().default(true),
  max_concurrent_agents: z.number().int().min(1).max(32).default(3),
  quality_gate_enabled: z.boolean().default(true),
  /** Correction rounds the quality gate may ask for per subtask. */
  max_review_rounds: z.number().int().min(0).max(10).default(2),
  /** Minutes an agent may work on one turn before it is stopped as stuck. */
  agent_timeout_minutes: z
    .number()
    .min(0.1)
    .max(24 * 60)
    .default(20),
  /** How the manager answers an agent's permission prompt (a command to run): allow, or deny. */
  permissions: z.enum(['allow', 'deny']).default('allow'),
  /**
   * Accepted work of agents in work trees of their own: merged into the frame's branch in plan
   * order (auto), or left on their branches for the user to merge (ask: the task ends waiting_for_review).
   */
  merge: z.enum(['auto', 'ask']).default('auto'),
});

/**
 * A frame's configuration. Stored as JSON in frame_configs and mirrored to
 * `$OPTAGON_HOME/frames/<id>/config.yaml` for people who read files. Every capability's section
 * (manager, context, agents) is validated here, so a bad value is refused when it is set.
 */
export const frameConfigSchema = z
  .object({
    name: z.string(),
    workspace: z.string(),
    description: z.string().max(500).optional(),
    manager: z
      .object({
        provider: z.enum(PROVIDERS).default('anthropic'),
        model: z.string().min(1).optional(),
        temperature: z.number().min(0).max(2).default(0.3),
        behavior: managerBehaviorSchema.partial().optional(),
        routing: z
          .array(
            z.object({
              condition: z
                .string()
                .min(1)
                .superRefine((condition, ctx) => {
                  const problem = conditionProblem(condition);
                  if (problem) ctx.addIssue({ code: 'custom', message: problem });
                }),
              provider: z.enum(PROVIDERS).optional(),
              model: z.string().min(1).optional(),
            }),
          )
          .optional(),
      })
      .partial()
      .optional(),
    agents: z
      .object({
        // acceptEdits: agents edit files in the workspace freely and ask before running commands.
        permission_mode: z.enum(['default', 'acceptEdits', 'plan', 'auto', 'bypassPermissions']),
        /** Where new agents work: their own git work tree and branch, or /workspace itself. Default: worktree in a git repository. */
        workspace: z.enum(['shared', 'worktree']),
        /** An agent's branch is this and its name (default optagon/). */
        branch_prefix: z
          .string()
          .regex(
            /^([A-Za-z0-9_][A-Za-z0-9._-]*\/)*([A-Za-z0-9_][A-Za-z0-9._-]*)?$/,
            'a branch name prefix such as optagon/ or agent-',
          )
          .max(100),
        /** A shell command run in each new work tree before its agent starts (npm ci, say), as the frame's root. */
        worktree_setup: z.string().min(1).max(10_000),
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()),
      })
      .partial()
      .optional(),
    context: z
      .object({
        context_budget_tokens: z.number().int().min(0).max(1_000_000),
        auto_ingest: z.boolean(),
        /** An agent spawned with a task starts with the curated context for it (default on). */
        inject: z.boolean(),
        cross_frame_search: z.boolean(),
      })
      .partial()
      .optional(),
  })
  .extend(projectConfigSchema.shape)
  .strict();

export type FrameConfig = z.output<typeof frameConfigSchema>;

/** Keys fixed when the frame is created; changing them means a new frame. */
const fixedKeys = ['name', 'workspace'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where `null` deletes a key and arrays are replaced, not concatenated. */
export function mergeConfig(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key]))
      out[key] = mergeConfig(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

/**
 * What `agents.env` values look like in every answer and in the mirror: they are write-only, as they
 * hold model keys. A patch that gives this for a key keeps the stored value (so a config read, edited
 * and written back keeps its keys).
 */
export const REDACTED = '<redacted>';

/** The configuration as it may be shown: `agents.env` values replaced by REDACTED, its keys kept. */
export function redactConfig(config: FrameConfig): FrameConfig {
  const env = config.agents?.env;
  if (!env) return config;
  return {
    ...config,
    agents: { ...config.agents, env: Object.fromEntries(Object.keys(env).map((k) => [k, REDACTED])) },
  };
}

/** Puts the stored value back for every `agents.env` key the merged config gives as REDACTED. */
function keepRedacted(merged: Record<string, unknown>, current: FrameConfig): void {
  const agents = merged.agents;
  if (!isPlainObject(agents) || !isPlainObject(agents.env)) return;
  const env = { ...agents.env };
  for (const [key, value] of Object.entries(env)) {
    if (value !== REDACTED) continue;
    const stored = current.agents?.env?.[key];
    if (stored === undefined)
      throw new Error(
        `agents.env.${key} is '${REDACTED}', which keeps a stored value, but it has none; give the value itself`,
      );
    env[key] = stored;
  }
  merged.agents = { ...agents, env };
}

/** Applies a patch (or, with `replace`, makes it the whole config) and validates the result; errors name the setting and the rule. */
export function applyConfigPatch(current: FrameConfig, patch: Record<string, unknown>, replace = false): FrameConfig {
  for (const key of fixedKeys) {
    if (key in patch && patch[key] !== current[key]) {
      throw new Error(`'${key}' is fixed when a frame is created; create a new frame to change it`);
    }
  }
  const base = replace ? { name: current.name, workspace: current.workspace } : current;
  const merged = mergeConfig(base, patch);
  keepRedacted(merged, current);
  const parsed = frameConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid frame config at '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  return parsed.data;
}

/**
 * agents.env variables that decide where an agent's requests go, whom it trusts on the way, or what
 * code its process loads. The agent's environment is the host's model variables (the kind's passEnv:
 * ANTHROPIC_API_KEY, AWS_*, ...) with agents.env on top (agent-manager.ts `environment()`), so whoever
 * sets one of these can send the user's key to a server of their choosing: an endpoint (*_BASE_URL,
 * *_API_URL, *_API_BASE, any *_URL, *ENDPOINT*, *_HOST such as OLLAMA_HOST), a proxy (*_PROXY in either
 * case, NO_PROXY too: it decides which requests skip the user's proxy), the TLS trust (extra CA
 * certificates, switching verification off), or code run inside the agent process or instead of it
 * (NODE_OPTIONS --require, LD_PRELOAD, PATH finding another `claude`, BASH_ENV, ...). A frame-scoped
 * principal may set any other variable (a model name, its own key).
 */
const ENDPOINT_PATTERNS = [/_URL$/i, /ENDPOINT/i, /_HOST$/i, /_API_BASE$/i, /_PROXY$/i];
const ENDPOINT_NAMES = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'BASH_ENV',
  'ENV',
  'PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'HOME',
  'CLAUDE_CONFIG_DIR',
  'XDG_CONFIG_HOME',
]);

/** Whether an agents.env variable can send the agent's requests (and the key in them) elsewhere. */
export function isEndpointVariable(name: string): boolean {
  return ENDPOINT_NAMES.has(name.toUpperCase()) || ENDPOINT_PATTERNS.some((p) => p.test(name));
}

/**
 * The settings a change from `current` to `next` sets that only a principal with manage on every
 * frame may set: an endpoint variable in agents.env or env set or changed (removing one is allowed:
 * the agent then uses the host's), context.cross_frame_search turned on (the frame then reads every
 * frame's knowledge), host paths mounted, the SSH agent handed in, another image, and any change of
 * network or hosts (a frame held to an allowlist must not open it itself).
 */
export function everyFrameSettings(current: FrameConfig, next: FrameConfig): string[] {
  const out: string[] = [];
  const before = current.agents?.env ?? {};
  for (const [key, value] of Object.entries(next.agents?.env ?? {})) {
    if (isEndpointVariable(key) && before[key] !== value) out.push(`agents.env.${key}`);
  }
  if (next.context?.cross_frame_search === true && current.context?.cross_frame_search !== true)
    out.push('context.cross_frame_search');
  // The frame's own env reaches its agents too (their window inherits it).
  for (const [key, value] of Object.entries(next.env ?? {}))
    if (isEndpointVariable(key) && current.env?.[key] !== value) out.push(`env.${key}`);
  // What the frame may reach of the host and the network, and what it runs.
  const same = (key: 'mounts' | 'image' | 'network' | 'hosts') =>
    JSON.stringify(current[key] ?? null) === JSON.stringify(next[key] ?? null);
  if (!same('mounts') && (next.mounts ?? []).length) out.push('mounts');
  if (next.ssh_agent === true && current.ssh_agent !== true) out.push('ssh_agent');
  if (!same('image') && next.image !== undefined) out.push('image');
  if (!same('network')) out.push('network');
  if (!same('hosts')) out.push('hosts');
  return out;
}

/** The YAML mirror, for people who read files: owner-only, and without agents.env values (they are keys). */
export function writeConfigMirror(file: string, config: FrameConfig): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(
    file,
    `# Mirror of this frame's configuration; change it with \`optagon frame config set\`. agents.env values are not shown.\n${stringify(redactConfig(config))}`,
    { mode: 0o600 },
  );
  tighten(file); // a mirror an older Optagon wrote 0644: mode only applies to a new file
}
