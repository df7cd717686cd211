import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { tighten } from '../shared/private-files.js';
import { conditionProblem } from '../../host/manager/task-router.js';

/**
 * A frame's configuration, as in the spec's frame config. Stored as JSON in frame_configs and
 * mirrored to `$OPTAGON_HOME/frames/<id>/config.yaml` for people who read files. Sections used by
 * later capabilities (manager, context) are validated now so a bad value is caught when it is set.
 */
export const frameConfigSchema = z
  .object({
    name: z.string(),
    workspace: z.string(),
    description: z.string().max(500).optional(),
    manager: z
      .object({
        provider: z.enum(['anthropic', 'openai', 'ollama', 'vllm']).default('anthropic'),
        model: z.string().min(1).optional(),
        temperature: z.number().min(0).max(2).default(0.3),
        behavior: z
          .object({
            auto_spawn_agents: z.boolean().default(true),
            max_concurrent_agents: z.number().int().min(1).max(32).default(3),
            quality_gate_enabled: z.boolean().default(true),
            /** Correction rounds the quality gate may ask for per subtask. */
            max_review_rounds: z.number().int().min(0).max(10).default(2),
            /** Minutes an agent may work on one turn before it is stopped as stuck. */
            agent_timeout_minutes: z.number().min(0.1).max(24 * 60).default(20),
            /** How the manager answers an agent's permission prompt (a command to run): allow, or deny. */
            permissions: z.enum(['allow', 'deny']).default('allow'),
          })
          .partial()
          .optional(),
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
              provider: z.enum(['anthropic', 'openai', 'ollama', 'vllm']).optional(),
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
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()),
      })
      .partial()
      .optional(),
    context: z
      .object({
        context_budget_tokens: z.number().int().min(0).max(1_000_000),
        auto_ingest: z.boolean(),
        cross_frame_search: z.boolean(),
      })
      .partial()
      .optional(),
  })
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
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = mergeConfig(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

/** Applies a patch (or, with `replace`, makes it the whole config) and validates the result; errors name the setting and the rule. */
export function applyConfigPatch(current: FrameConfig, patch: Record<string, unknown>, replace = false): FrameConfig {
  for (const key of fixedKeys) {
    if (key in patch && patch[key] !== current[key]) {
      throw new Error(`'${key}' is fixed when a frame is created; create a new frame to change it`);
    }
  }
  const base = replace ? { name: current.name, workspace: current.workspace } : current;
  const parsed = frameConfigSchema.safeParse(mergeConfig(base, patch));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid frame config at '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  return parsed.data;
}

export function writeConfigMirror(file: string, config: FrameConfig): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // It can hold agents.env values: the user's only, also when an older Optagon made it readable.
  writeFileSync(file, `# Mirror of this frame's configuration; change it with \`optagon frame config set\`.\n${stringify(config)}`, { mode: 0o600 });
  tighten(file);
}
