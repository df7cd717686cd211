import type { ProviderName } from '../shared/llm-provider.js';
import { conditionHolds, type TaskFacts } from '../shared/routing-condition.js';

export interface RoutingRule {
  condition: string;
  provider?: ProviderName;
  model?: string;
}

/** The model a step goes to, and the setting that chose it (for error messages). */
export interface Route {
  provider: ProviderName;
  model: string;
  setting: string;
}

/** Models used when a rule or the manager names a provider but no model. vLLM serves what it was started with. */
export const DEFAULT_MODELS: Record<ProviderName, string | undefined> = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-4.1-mini',
  ollama: 'llama3.1',
  vllm: undefined,
};

/**
 * Picks the model for a step of a task: the first rule whose condition holds, else the manager's
 * own provider and model. A rule without a provider means the manager's; without a model, that
 * provider's default.
 */
export class TaskRouter {
  constructor(
    private readonly rules: RoutingRule[],
    private readonly manager: { provider: ProviderName; model?: string },
    private readonly where: string,
  ) {}

  route(task: TaskFacts): Route {
    for (const [i, rule] of this.rules.entries()) {
      const setting = `${this.where} manager.routing[${i}]`;
      if (conditionHolds(rule.condition, task, setting))
        return this.endpoint(rule.provider ?? this.manager.provider, rule.model, setting);
    }
    return this.base();
  }

  /** The manager's own model (classification uses it). */
  base(): Route {
    return this.endpoint(this.manager.provider, this.manager.model, `${this.where} manager`);
  }

  private endpoint(provider: ProviderName, model: string | undefined, setting: string): Route {
    const chosen = model ?? DEFAULT_MODELS[provider];
    if (!chosen) throw new Error(`${setting}: name the model for ${provider} (there is no default)`);
    return { provider, model: chosen, setting };
  }
}
