import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { CONDITION_LIMITS, ConditionTooCostly, estimateCondition, type TaskLengths } from './condition-cost.js';

/** What a task is, as the classification step sees it; routing conditions read these. */
export const TASK_TYPES = ['feature', 'bugfix', 'refactor', 'test', 'docs', 'summarize', 'question', 'other'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** The manager's model calls that are routed: planning the subtasks, and reviewing each result. */
export type Step = 'plan' | 'review';

/** The variable `task` of a routing condition. */
export interface TaskFacts {
  type: TaskType;
  /** 0 (trivial) to 1 (hard). */
  complexity: number;
  text: string;
  step: Step;
}

/**
 * Routing conditions are CEL (Common Expression Language: made for safe policy expressions, no
 * side effects, no access beyond the variables given), typed against `task`, so a misspelt field
 * or a comparison of a string with a number is caught when the config is loaded, not when a task
 * runs. "default" is always true. CEL has no loops, but its macros nest, so what a condition may
 * cost is bounded too (condition-cost.ts): at load, and again before each evaluation.
 */
const cel = new Environment({ limits: CONDITION_LIMITS.parse })
  .registerType('Task', { fields: { type: 'string', complexity: 'double', text: 'string', step: 'string' } })
  .registerVariable('task', 'Task');

/** The longest task strings a condition is checked for at load: task_run takes up to 20 000 characters. */
const LONGEST_TASK: TaskLengths = { type: 16, text: 20_000, step: 16 };

const HOW =
  'conditions are CEL over task.type, task.complexity, task.text and task.step, e.g. "task.type == \'summarize\'" or "task.complexity > 0.7"';

/** What makes a parsed condition too costly for tasks of these lengths, or ''. */
function costProblem(ast: ASTNode, lengths: TaskLengths): string {
  try {
    const { steps } = estimateCondition(ast, lengths);
    if (steps <= CONDITION_LIMITS.maxSteps) return '';
    return `the condition may take up to ${steps} steps on a task text of ${lengths.text} characters (the limit is ${CONDITION_LIMITS.maxSteps}): iterate over fewer or shorter lists, or nest less`;
  } catch (err) {
    if (err instanceof ConditionTooCostly) return err.message;
    throw err;
  }
}

/** What is wrong with a condition, or '' when it is a valid boolean expression over `task`. */
export function conditionProblem(condition: string): string {
  if (condition.trim() === 'default') return '';
  if (condition.length > CONDITION_LIMITS.maxLength)
    return `the condition is ${condition.length} characters; conditions are at most ${CONDITION_LIMITS.maxLength}`;
  const checked = cel.check(condition);
  if (!checked.valid) {
    const first = (checked.error?.message ?? 'invalid').split('\n')[0];
    return `not a valid condition: ${first} (${HOW})`;
  }
  if (checked.type !== 'bool') return `the condition gives a ${checked.type}, not true or false`;
  return costProblem(cel.parse(condition).ast, LONGEST_TASK);
}

/**
 * A condition's value for a task, checked again first: a config saved before these limits (or
 * written to the database by hand) must not block the event loop either.
 */
export function conditionHolds(condition: string, task: TaskFacts, setting: string): boolean {
  if (condition.trim() === 'default') return true;
  const problem =
    condition.length > CONDITION_LIMITS.maxLength
      ? `the condition is ${condition.length} characters; conditions are at most ${CONDITION_LIMITS.maxLength}`
      : costProblem(parsed(condition).ast, { type: task.type.length, text: task.text.length, step: task.step.length });
  if (problem) throw new Error(`${setting}.condition: ${problem}; fix it with frame_config_set`);
  return parsed(condition)({ task }) === true;
}

const programs = new Map<string, ReturnType<typeof cel.parse>>();
function parsed(condition: string): ReturnType<typeof cel.parse> {
  let p = programs.get(condition);
  if (!p) {
    p = cel.parse(condition);
    if (programs.size > 256) programs.clear();
    programs.set(condition, p);
  }
  return p;
}
