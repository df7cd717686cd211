import { describe, expect, it } from 'vitest';
import { parseFrameConfigYaml } from '../../servers/frames/frame-config-yaml.js';
import { TaskRouter, type TaskFacts } from './task-router.js';

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

const task = (more: Partial<TaskFacts>): TaskFacts => ({ type: 'feature', complexity: 0.3, text: 'Add a login form', step: 'plan', ...more });

describe('task routing', () => {
  it("the spec's frame config loads, and each rule sends its tasks to its provider", () => {
    const config = parseFrameConfigYaml(SPEC_EXAMPLE, 'config.yaml');
    const router = new TaskRouter(config.manager!.routing!, { provider: 'anthropic', model: config.manager!.model! }, 'frame project-a');
    expect(router.route(task({ type: 'summarize', complexity: 0.9 }))).toEqual({ provider: 'ollama', model: 'mistral', setting: 'frame project-a manager.routing[0]' });
    expect(router.route(task({ complexity: 0.8 }))).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(router.route(task({ complexity: 0.2 }))).toMatchObject({ provider: 'anthropic', model: 'claude-3-5-haiku', setting: 'frame project-a manager.routing[2]' });
  });

  it('without a matching rule the manager model answers; a rule may name only a provider', () => {
    const router = new TaskRouter([{ condition: "task.step == 'review'", provider: 'openai' }], { provider: 'ollama', model: 'qwen3' }, 'frame x');
    expect(router.route(task({ step: 'review' }))).toMatchObject({ provider: 'openai', model: 'gpt-4.1-mini' });
    expect(router.route(task({ step: 'plan' }))).toEqual({ provider: 'ollama', model: 'qwen3', setting: 'frame x manager' });
    expect(() => new TaskRouter([{ condition: 'default', provider: 'vllm' }], { provider: 'anthropic' }, 'frame x').route(task({}))).toThrow(
      'frame x manager.routing[0]: name the model for vllm (there is no default)',
    );
  });

  it('a malformed condition is rejected at load with its line', () => {
    const broken = SPEC_EXAMPLE.replace(`"task.complexity > 0.7"`, `"task.complexity >"`);
    expect(() => parseFrameConfigYaml(broken, 'config.yaml')).toThrow(/^config\.yaml:15: manager\.routing\[1\]\.condition: not a valid condition: Unexpected token: EOF/);
    const misspelt = SPEC_EXAMPLE.replace(`task.type == 'summarize'`, `task.kind == 'summarize'`);
    expect(() => parseFrameConfigYaml(misspelt, 'config.yaml')).toThrow(/^config\.yaml:12: manager\.routing\[0\]\.condition: not a valid condition: .*kind/);
    const mistyped = SPEC_EXAMPLE.replace(`task.complexity > 0.7`, `task.complexity == 'high'`);
    expect(() => parseFrameConfigYaml(mistyped, 'config.yaml')).toThrow(/^config\.yaml:15: manager\.routing\[1\]\.condition: not a valid condition/);
    const notBool = SPEC_EXAMPLE.replace(`task.complexity > 0.7`, `task.complexity`);
    expect(() => parseFrameConfigYaml(notBool, 'config.yaml')).toThrow('config.yaml:15: manager.routing[1].condition: the condition gives a double, not true or false');
  });

  it('other mistakes are told with their line too', () => {
    expect(() => parseFrameConfigYaml(SPEC_EXAMPLE.replace('provider: ollama', 'provider: olama'), 'c.yaml')).toThrow(/^c\.yaml:13: manager\.routing\[0\]\.provider: /);
    expect(() => parseFrameConfigYaml(SPEC_EXAMPLE.replace('max_concurrent_agents: 3', 'max_concurrent_agents: 0'), 'c.yaml')).toThrow(/^c\.yaml:9: manager\.behavior\.max_concurrent_agents: /);
    expect(() => parseFrameConfigYaml(`${SPEC_EXAMPLE}  routing: [`, 'c.yaml')).toThrow(/^c\.yaml:2\d: not valid YAML/);
  });
});
