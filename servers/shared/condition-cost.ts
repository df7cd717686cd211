import type { ASTNode } from '@marcbachmann/cel-js';

/**
 * What a routing condition may cost. cel-js has parse-time limits (AST size, depth, list sizes)
 * but nothing that bounds evaluation: ten nested `[0..9].exists(...)` are 350 characters and
 * 10^10 steps, minutes of a blocked event loop. So a condition's cost is bounded here from its
 * AST, before it is ever evaluated, by an upper estimate of the steps it can take.
 */
export const CONDITION_LIMITS = {
  /** Characters in a condition. */
  maxLength: 500,
  /** cel-js parse limits: AST nodes, nesting of parentheses, calls and fields, literal sizes. */
  parse: { maxAstNodes: 300, maxDepth: 32, maxListElements: 64, maxMapEntries: 64, maxCallArguments: 8 },
  /** Macros (all, exists, exists_one, map, filter) inside one another. */
  maxMacroNesting: 2,
  /** Upper estimate of evaluation steps (one step ≈ one AST node evaluated, ≈ 0.1 µs). */
  maxSteps: 200_000,
} as const;

/** Characters (or list elements) copied, compared or scanned per step. */
const DATA_PER_STEP = 32;
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/**
 * An upper bound on a value: `size` its whole size (characters, elements and entries, all levels),
 * `len` how many characters or elements it has at the top, `elem` the size of any one element.
 */
interface Bound {
  size: number;
  len: number;
  elem: number;
}

interface Estimate extends Bound {
  steps: number;
  /** Deepest nesting of macros in this expression. */
  nesting: number;
}

/** The lengths of the task's strings the estimate assumes (at load: their maxima; before evaluation: the real ones). */
export interface TaskLengths {
  type: number;
  text: number;
  step: number;
}

const scalar = (steps: number, nesting = 0): Estimate => ({ size: 1, len: 1, elem: 1, steps, nesting });
const data = (n: number) => n / DATA_PER_STEP;
const sum = (xs: Estimate[], f: (e: Estimate) => number) => xs.reduce((a, e) => a + f(e), 0);
const deepest = (xs: Estimate[]) => Math.max(0, ...xs.map((e) => e.nesting));

export class ConditionTooCostly extends Error {}

/**
 * Steps and macro nesting of a parsed condition; a ConditionTooCostly says what is not allowed
 * (nesting macros too deep, matches(), an unknown operator). Sizes are over-estimated (a split of the text may give as many elements as it has
 * characters), so the estimate is a bound, not a prediction.
 */
export function estimateCondition(ast: ASTNode, lengths: TaskLengths): { steps: number; nesting: number } {
  const task: Record<string, Bound> = {
    type: { size: lengths.type, len: lengths.type, elem: 1 },
    text: { size: lengths.text, len: lengths.text, elem: 1 },
    step: { size: lengths.step, len: lengths.step, elem: 1 },
    complexity: { size: 1, len: 1, elem: 1 },
  };
  const taskBound: Bound = {
    size: lengths.type + lengths.text + lengths.step + 8,
    len: 4,
    elem: Math.max(lengths.type, lengths.text, lengths.step, 1),
  };

  const walk = (node: ASTNode, vars: ReadonlyMap<string, Bound>): Estimate => {
    switch (node.op) {
      case 'value': {
        const v = node.args;
        const n = typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.length : 1;
        return { size: n + 1, len: n, elem: 1, steps: 1, nesting: 0 };
      }
      case 'id': {
        const bound = vars.get(node.args) ?? (node.args === 'task' ? taskBound : { size: 1, len: 1, elem: 1 });
        return { ...bound, steps: 1, nesting: 0 };
      }
      case '.':
      case '.?': {
        const [target, field] = node.args;
        const t = walk(target, vars);
        const bound = target.op === 'id' && target.args === 'task' && !vars.has('task') ? task[field] : undefined;
        return { ...(bound ?? { size: t.elem, len: t.elem, elem: t.elem }), steps: t.steps + 1, nesting: t.nesting };
      }
      case '[]':
      case '[?]': {
        const [t, k] = node.args.map((a) => walk(a, vars)) as [Estimate, Estimate];
        return {
          size: t.elem,
          len: t.elem,
          elem: t.elem,
          steps: t.steps + k.steps + 1 + data(k.size),
          nesting: deepest([t, k]),
        };
      }
      case 'list': {
        const items = node.args.map((a) => walk(a, vars));
        return {
          size: sum(items, (e) => e.size) + items.length + 1,
          len: items.length,
          elem: Math.max(1, ...items.map((e) => e.size)),
          steps: sum(items, (e) => e.steps) + items.length + 1,
          nesting: deepest(items),
        };
      }
      case 'map': {
        const parts = node.args.flatMap(([k, v]) => [walk(k, vars), walk(v, vars)]);
        return {
          size: sum(parts, (e) => e.size) + parts.length + 1,
          len: node.args.length,
          elem: Math.max(1, ...parts.map((e) => e.size)),
          steps: sum(parts, (e) => e.steps) + parts.length + 1,
          nesting: deepest(parts),
        };
      }
      case '&&':
      case '||':
      case '!_':
      case '-_': {
        const parts = (node.op === '!_' || node.op === '-_' ? [node.args] : node.args).map((a) => walk(a, vars));
        return scalar(sum(parts, (e) => e.steps) + 1, deepest(parts));
      }
      case '?:': {
        const [c, a, b] = node.args.map((x) => walk(x, vars)) as [Estimate, Estimate, Estimate];
        return {
          size: Math.max(a.size, b.size),
          len: Math.max(a.len, b.len),
          elem: Math.max(a.elem, b.elem),
          steps: c.steps + a.steps + b.steps + 1,
          nesting: deepest([c, a, b]),
        };
      }
      case '+': {
        // Strings and lists concatenate: the result is as big as both, and is copied.
        const [a, b] = node.args.map((x) => walk(x, vars)) as [Estimate, Estimate];
        return {
          size: a.size + b.size,
          len: a.len + b.len,
          elem: Math.max(a.elem, b.elem),
          steps: a.steps + b.steps + 1 + data(a.size + b.size),
          nesting: deepest([a, b]),
        };
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [a, b] = node.args.map((x) => walk(x, vars)) as [Estimate, Estimate];
        return scalar(a.steps + b.steps + 1 + data(Math.min(a.size, b.size)), deepest([a, b]));
      }
      case 'in': {
        const [x, list] = node.args.map((a) => walk(a, vars)) as [Estimate, Estimate];
        return scalar(
          x.steps + list.steps + 1 + list.len * (1 + data(Math.min(x.size, list.elem))),
          deepest([x, list]),
        );
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        const [a, b] = node.args.map((x) => walk(x, vars)) as [Estimate, Estimate];
        return scalar(a.steps + b.steps + 1, deepest([a, b]));
      }
      case 'call': {
        // Conversions and size(): at most a few times their input (string(1.5) is longer than 1.5).
        const args = node.args[1].map((a) => walk(a, vars));
        const input = sum(args, (e) => e.size);
        return {
          size: 2 * input + 32,
          len: 2 * input + 32,
          elem: 2 * input + 32,
          steps: sum(args, (e) => e.steps) + 1 + data(input),
          nesting: deepest(args),
        };
      }
      case 'rcall':
        return method(node.args[0], node.args[1], node.args[2], vars);
      default:
        throw new ConditionTooCostly(`'${(node as { op: string }).op}' is not supported in a routing condition`);
    }
  };

  const method = (name: string, target: ASTNode, args: ASTNode[], vars: ReadonlyMap<string, Bound>): Estimate => {
    if (name === 'bind' && target.op === 'id' && target.args === 'cel') {
      // cel.bind(x, value, expr): expr with x standing for value.
      const [variable, value, expr] = args as [ASTNode, ASTNode, ASTNode];
      const v = walk(value, vars);
      const e = walk(expr, new Map(vars).set(String(variable.args), v));
      return { ...e, steps: v.steps + e.steps + 1, nesting: deepest([v, e]) };
    }
    if (MACROS.has(name)) {
      const range = walk(target, vars);
      const inner = new Map(vars).set(String(args[0]!.args), { size: range.elem, len: range.elem, elem: range.elem });
      const body = args.slice(1).map((a) => walk(a, inner));
      const nesting = Math.max(range.nesting, 1 + deepest(body));
      const steps = range.steps + 1 + range.len * (sum(body, (e) => e.steps) + 1);
      if (name === 'map') {
        const value = body.at(-1)!;
        return {
          size: range.len * (value.size + 1) + 1,
          len: range.len,
          elem: value.size,
          steps: steps + data(range.len * value.size),
          nesting,
        };
      }
      if (name === 'filter') return { ...range, steps, nesting };
      return scalar(steps, nesting);
    }
    if (name === 'matches') {
      throw new ConditionTooCostly(
        "matches() is not allowed in a routing condition: JavaScript's regular expressions can take exponential time on some texts; use contains(), startsWith() or endsWith()",
      );
    }
    // String, list and bytes methods (contains, split, join, substring, lowerAscii, size, ...): a
    // pass over their inputs, giving at most twice their size (split: as many elements as characters).
    const t = walk(target, vars);
    const rest = args.map((a) => walk(a, vars));
    const input = t.size + sum(rest, (e) => e.size);
    return {
      size: 2 * input + 32,
      len: input + 32,
      elem: input + 32,
      steps: t.steps + sum(rest, (e) => e.steps) + 1 + data(input),
      nesting: deepest([t, ...rest]),
    };
  };

  const { steps, nesting } = walk(ast, new Map());
  if (nesting > CONDITION_LIMITS.maxMacroNesting) {
    throw new ConditionTooCostly(
      `macros (all, exists, exists_one, map, filter) nest at most ${CONDITION_LIMITS.maxMacroNesting} deep in a routing condition; this one nests ${nesting}`,
    );
  }
  return { steps: Math.ceil(steps), nesting };
}
