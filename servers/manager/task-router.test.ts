import { describe, expect, it } from 'vitest';
import { parseFrameConfigYaml } from '../frames/frame-config-yaml.js';
import { conditionProblem, type TaskFacts } from '../shared/routing-condition.js';
import { TaskRouter } from './task-router.js';

const SPEC_EXAMPLE = `name: project-a
workspace: /home/pta/projects/my-app
manager:
  provider: anthropic
  model: claude-sonnet-4-5-20250929
  temperature: 0.3
  behavior:
    auto_spawn_agents: true
    max_concurrent_agents: 3
    quality_gate_enabled: true
  routing:
    - condition: "task.type == 'summarize'"
      provider: ollama
      model: mistral
    - condition: "task.complexity > 0.7"
      provider: anthropic
      model: claude-sonnet-4-5
    - condition: "default"
      provider: anthropic
      model: claude-3-5-haiku
`;

const task = (more: Partial<TaskFacts>): TaskFacts => ({
  type: 'feature',
  complexity: 0.3,
  text: 'Add a login form',
  step: 'plan',
  ...more,
});

describe('task routing', () => {
  it('a full frame config loads, and each rule sends its tasks to its provider', () => {
    const config = parseFrameConfigYaml(SPEC_EXAMPLE, 'config.yaml');
    const router = new TaskRouter(
      config.manager!.routing!,
      { provider: 'anthropic', model: config.manager!.model! },
      'frame project-a',
    );
    expect(router.route(task({ type: 'summarize', complexity: 0.9 }))).toEqual({
      provider: 'ollama',
      model: 'mistral',
      setting: 'frame project-a manager.routing[0]',
    });
    expect(router.route(task({ complexity: 0.8 }))).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
    expect(router.route(task({ complexity: 0.2 }))).toMatchObject({
      provider: 'anthropic',
      model: 'claude-3-5-haiku',
      setting: 'frame project-a manager.routing[2]',
    });
  });

  it('without a matching rule the manager model answers; a rule may name only a provider', () => {
    const router = new TaskRouter(
      [{ condition: "task.step == 'review'", provider: 'openai' }],
      { provider: 'ollama', model: 'qwen3' },
      'frame x',
    );
    expect(router.route(task({ step: 'review' }))).toMatchObject({ provider: 'openai', model: 'gpt-4.1-mini' });
    expect(router.route(task({ step: 'plan' }))).toEqual({
      provider: 'ollama',
      model: 'qwen3',
      setting: 'frame x manager',
    });
    expect(() =>
      new TaskRouter([{ condition: 'default', provider: 'vllm' }], { provider: 'anthropic' }, 'frame x').route(
        task({}),
      ),
    ).toThrow('frame x manager.routing[0]: name the model for vllm (there is no default)');
  });

  it('a malformed condition is rejected at load with its line', () => {
    const broken = SPEC_EXAMPLE.replace(`"task.complexity > 0.7"`, `"task.complexity >"`);
    expect(() => parseFrameConfigYaml(broken, 'config.yaml')).toThrow(
      /^config\.yaml:15: manager\.routing\[1\]\.condition: not a valid condition: Unexpected token: EOF/,
    );
    const misspelt = SPEC_EXAMPLE.replace(`task.type == 'summarize'`, `task.kind == 'summarize'`);
    expect(() => parseFrameConfigYaml(misspelt, 'config.yaml')).toThrow(
      /^config\.yaml:12: manager\.routing\[0\]\.condition: not a valid condition: .*kind/,
    );
    const mistyped = SPEC_EXAMPLE.replace(`task.complexity > 0.7`, `task.complexity == 'high'`);
    expect(() => parseFrameConfigYaml(mistyped, 'config.yaml')).toThrow(
      /^config\.yaml:15: manager\.routing\[1\]\.condition: not a valid condition/,
    );
    const notBool = SPEC_EXAMPLE.replace(`task.complexity > 0.7`, `task.complexity`);
    expect(() => parseFrameConfigYaml(notBool, 'config.yaml')).toThrow(
      'config.yaml:15: manager.routing[1].condition: the condition gives a double, not true or false',
    );
  });

  it('other mistakes are told with their line too', () => {
    expect(() => parseFrameConfigYaml(SPEC_EXAMPLE.replace('provider: ollama', 'provider: olama'), 'c.yaml')).toThrow(
      /^c\.yaml:13: manager\.routing\[0\]\.provider: /,
    );
    expect(() =>
      parseFrameConfigYaml(SPEC_EXAMPLE.replace('max_concurrent_agents: 3', 'max_concurrent_agents: 0'), 'c.yaml'),
    ).toThrow(/^c\.yaml:9: manager\.behavior\.max_concurrent_agents: /);
    expect(() => parseFrameConfigYaml(`${SPEC_EXAMPLE}  routing: [`, 'c.yaml')).toThrow(/^c\.yaml:2\d: not valid YAML/);
  });

  describe('what a condition may cost is bounded before it runs', () => {
    const digits = '[0,1,2,3,4,5,6,7,8,9]';
    /** `depth` exists() macros inside one another over ten digits: 10^depth evaluations of the innermost. */
    const nested = (depth: number) => {
      let e = "task.type == 'x'";
      for (let i = 0; i < depth; i++) e = `${digits}.exists(v${i}, ${e})`;
      return e;
    };
    const config = (condition: string) =>
      `name: x\nworkspace: /w\nmanager:\n  routing:\n    - condition: ${JSON.stringify(condition)}\n      provider: ollama\n`;

    it('ten nested macros (about 350 characters, 10^10 steps: minutes of a blocked event loop) are refused at load, at once', () => {
      const attack = nested(10);
      expect(attack.length).toBeLessThan(400);
      const started = performance.now();
      expect(() => parseFrameConfigYaml(config(attack), 'c.yaml')).toThrow(
        'c.yaml:5: manager.routing[0].condition: macros (all, exists, exists_one, map, filter) nest at most 2 deep in a routing condition; this one nests 10',
      );
      expect(conditionProblem(nested(3))).toMatch(/nest at most 2 deep in a routing condition; this one nests 3$/);
      expect(performance.now() - started).toBeLessThan(500);
    });

    it('length, parentheses and list sizes are capped', () => {
      expect(conditionProblem(`task.text == '${'a'.repeat(600)}'`)).toBe(
        'the condition is 615 characters; conditions are at most 500',
      );
      expect(conditionProblem(`${'('.repeat(40)}task.complexity > 0.5${')'.repeat(40)}`)).toMatch(
        /^not a valid condition: Exceeded maxDepth \(32\)/,
      );
      expect(conditionProblem(`task.type in [${Array.from({ length: 70 }, (_, i) => `'t${i}'`).join(',')}]`)).toMatch(
        /^not a valid condition: Exceeded maxListElements \(64\)/,
      );
    });

    it('costly shapes within those limits are refused with the reason: nested scans of the text, doubling values, regular expressions', () => {
      const wide = `[${Array.from({ length: 60 }, (_, i) => i).join(',')}]`;
      // 60 × 60 scans of a 20 000-character text.
      expect(conditionProblem(`${wide}.exists(a, ${wide}.exists(b, task.text.contains(string(a + b))))`)).toMatch(
        /^the condition may take up to \d+ steps on a task text of 20000 characters \(the limit is 200000\)/,
      );
      // Each map makes every list 8 times longer; bind doubles the text again and again.
      expect(
        conditionProblem(
          `[task.text.split('')].map(l, l+l+l+l+l+l+l+l).map(l, l+l+l+l+l+l+l+l).exists(l, l.size() > 0)`,
        ),
      ).toMatch(/^the condition may take up to/);
      expect(
        conditionProblem(
          `cel.bind(a, task.text + task.text, cel.bind(b, a + a + a + a, cel.bind(c, b + b + b + b, (c + c + c + c).contains('x'))))`,
        ),
      ).toMatch(/^the condition may take up to/);
      expect(conditionProblem(`task.text.matches('^(a+)+$')`)).toMatch(
        /^matches\(\) is not allowed in a routing condition/,
      );
    });

    it('everyday conditions stay allowed', () => {
      for (const ok of [
        "task.type == 'summarize'",
        "task.complexity > 0.7 || task.step == 'review'",
        "task.type in ['docs', 'test'] && task.text.size() < 2000",
        "['auth', 'security', 'password'].exists(w, task.text.lowerAscii().contains(w))",
        "task.text.split(' ').exists(w, w == 'urgent')",
        `${digits}.exists(a, ${digits}.exists(b, a * b == 12 && task.text.startsWith('x')))`,
      ]) {
        expect(conditionProblem(ok), ok).toBe('');
      }
    });

    it('a condition that got past the load check (an older config) is refused before it is evaluated', () => {
      const router = new TaskRouter(
        [{ condition: nested(3), provider: 'openai' }],
        { provider: 'ollama', model: 'qwen3' },
        'frame x',
      );
      expect(() => router.route(task({}))).toThrow(
        /^frame x manager\.routing\[0\]\.condition: macros \(all, exists, exists_one, map, filter\) nest at most 2 deep .*; fix it with frame_config_set$/,
      );
      // The bound is taken for the task's real text: fine for a short text, refused for a long one.
      const scan = new TaskRouter(
        [{ condition: "task.text.split('').exists(a, ['x','y','z'].exists(b, a == b))", provider: 'openai' }],
        { provider: 'ollama' },
        'frame x',
      );
      expect(scan.route(task({ text: 'fix the y axis' }))).toMatchObject({ provider: 'openai' });
      expect(() => scan.route(task({ text: 'a'.repeat(50_000) }))).toThrow(
        /may take up to \d+ steps on a task text of 50000 characters/,
      );
    });
  });
});
