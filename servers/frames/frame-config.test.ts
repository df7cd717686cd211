import { describe, expect, it } from 'vitest';
import { applyConfigPatch, frameConfigSchema, mergeConfig, type FrameConfig } from './frame-config.js';

describe('mergeConfig', () => {
  it('merges nested objects key by key', () => {
    const base = { manager: { provider: 'anthropic', temperature: 0.3 }, description: 'old' };
    expect(mergeConfig(base, { manager: { temperature: 1 } })).toEqual({
      manager: { provider: 'anthropic', temperature: 1 },
      description: 'old',
    });
  });

  it('deletes a key set to null, at any depth', () => {
    const base = { description: 'x', manager: { model: 'm', temperature: 0.3 } };
    expect(mergeConfig(base, { description: null, manager: { model: null } })).toEqual({ manager: { temperature: 0.3 } });
  });

  it('replaces arrays instead of concatenating them', () => {
    const base = { manager: { routing: [{ condition: 'a' }, { condition: 'b' }] } };
    expect(mergeConfig(base, { manager: { routing: [{ condition: 'c' }] } })).toEqual({
      manager: { routing: [{ condition: 'c' }] },
    });
  });

  it('replaces a scalar with an object and an object with a scalar', () => {
    expect(mergeConfig({ a: 1, b: { c: 1 } }, { a: { x: 1 }, b: 2 })).toEqual({ a: { x: 1 }, b: 2 });
  });

  it('leaves its inputs untouched', () => {
    const base = { manager: { temperature: 0.3 } };
    const patch = { manager: { temperature: 1 } };
    mergeConfig(base, patch);
    expect(base).toEqual({ manager: { temperature: 0.3 } });
    expect(patch).toEqual({ manager: { temperature: 1 } });
  });
});

describe('applyConfigPatch', () => {
  const current: FrameConfig = frameConfigSchema.parse({ name: 'web', workspace: '/srv/web', description: 'site' });

  it('applies a valid patch and returns the validated config', () => {
    const next = applyConfigPatch(current, {
      description: 'the shop',
      manager: { temperature: 1.5, behavior: { max_concurrent_agents: 4 } },
      context: { auto_ingest: false },
    });
    expect(next).toMatchObject({
      name: 'web',
      workspace: '/srv/web',
      description: 'the shop',
      manager: { temperature: 1.5, behavior: { max_concurrent_agents: 4 } },
      context: { auto_ingest: false },
    });
  });

  it('removes a setting patched to null', () => {
    expect(applyConfigPatch(current, { description: null })).not.toHaveProperty('description');
  });

  it('accepts name and workspace when they are unchanged', () => {
    expect(applyConfigPatch(current, { name: 'web', workspace: '/srv/web', description: 'x' }).description).toBe('x');
  });

  it.each([
    ['name', { name: 'api' }],
    ['workspace', { workspace: '/srv/api' }],
    ['workspace', { workspace: null }],
  ])('rejects a change to the fixed key %s, saying to create a new frame', (key, patch) => {
    expect(() => applyConfigPatch(current, patch)).toThrow(
      `'${key}' is fixed when a frame is created; create a new frame to change it`,
    );
  });

  it('rejects an invalid value, naming its path', () => {
    expect(() => applyConfigPatch(current, { manager: { temperature: 5 } })).toThrow(
      /^invalid frame config at 'manager\.temperature': .*2/,
    );
    expect(() => applyConfigPatch(current, { manager: { behavior: { max_concurrent_agents: 0 } } })).toThrow(
      /at 'manager\.behavior\.max_concurrent_agents'/,
    );
    expect(() => applyConfigPatch(current, { manager: { provider: 'acme' } })).toThrow(/at 'manager\.provider'/);
  });

  it('rejects an unknown top-level key', () => {
    expect(() => applyConfigPatch(current, { colour: 'blue' })).toThrow(/invalid frame config at '\(root\)':.*colour/);
  });

  it('does not change the config it was given', () => {
    applyConfigPatch(current, { description: 'changed' });
    expect(current.description).toBe('site');
  });
});
