import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyConfigPatch,
  everyFrameSettings,
  frameConfigSchema,
  isEndpointVariable,
  mergeConfig,
  REDACTED,
  redactConfig,
  writeConfigMirror,
  type FrameConfig,
} from './frame-config.js';

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
    expect(mergeConfig(base, { description: null, manager: { model: null } })).toEqual({
      manager: { temperature: 0.3 },
    });
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

  it('refuses a multi-line env value (the environment reaches podman as an env file)', () => {
    expect(() => applyConfigPatch(current, { env: { PEM: 'a\nb' } })).toThrow(
      /invalid frame config at 'env\.PEM': one line/,
    );
    expect(() => applyConfigPatch(current, { git: { name: 'Ada\nEvil', email: 'a@b.c' } })).toThrow(/at 'git\.name'/);
  });

  it('does not change the config it was given', () => {
    applyConfigPatch(current, { description: 'changed' });
    expect(current.description).toBe('site');
  });
});

describe('agents.env is write-only', () => {
  const KEY = 'sk-ant-secret-0123456789';
  const stored: FrameConfig = frameConfigSchema.parse({
    name: 'web',
    workspace: '/w',
    agents: { permission_mode: 'acceptEdits', env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_MODEL: 'claude-x' } },
  });

  it('is shown with every value redacted and its keys kept', () => {
    const shown = redactConfig(stored);
    expect(shown.agents).toEqual({
      permission_mode: 'acceptEdits',
      env: { ANTHROPIC_API_KEY: REDACTED, ANTHROPIC_MODEL: REDACTED },
    });
    expect(JSON.stringify(shown)).not.toContain(KEY);
    expect(stored.agents!.env!.ANTHROPIC_API_KEY).toBe(KEY); // the stored one is untouched
  });

  it('a redacted value written back keeps the stored one, in a merge and in a replace (optagon frame config edit)', () => {
    const shown = redactConfig(stored) as unknown as Record<string, unknown>;
    expect(
      applyConfigPatch(stored, { agents: { env: { ANTHROPIC_API_KEY: REDACTED } } }).agents!.env!.ANTHROPIC_API_KEY,
    ).toBe(KEY);
    const replaced = applyConfigPatch(stored, { ...shown, description: 'edited' }, true);
    expect(replaced.agents!.env).toEqual({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_MODEL: 'claude-x' });
    expect(replaced.description).toBe('edited');
    expect(
      applyConfigPatch(stored, { agents: { env: { ANTHROPIC_API_KEY: 'sk-new' } } }).agents!.env!.ANTHROPIC_API_KEY,
    ).toBe('sk-new');
    expect(() => applyConfigPatch(stored, { agents: { env: { OPENAI_API_KEY: REDACTED } } })).toThrow(
      /agents.env.OPENAI_API_KEY is '<redacted>', which keeps a stored value, but it has none; give the value itself/,
    );
  });

  it('the YAML mirror is owner-only and holds no value, also over a mirror written 0644 before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optagon-mirror-'));
    try {
      const file = join(dir, 'frames', 'id', 'config.yaml');
      writeConfigMirror(file, stored);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'frames', 'id')).mode & 0o777).toBe(0o700);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(KEY);
      expect(text).toContain(`ANTHROPIC_API_KEY: ${REDACTED}`);
      writeFileSync(file, 'old', { mode: 0o644 });
      writeConfigMirror(file, stored);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings only a principal with manage on every frame may make', () => {
  const base = frameConfigSchema.parse({
    name: 'web',
    workspace: '/w',
    agents: { env: { ANTHROPIC_BASE_URL: 'http://proxy.local', ANTHROPIC_MODEL: 'm' } },
  });
  const reach = (patch: Record<string, unknown>, replace = false) =>
    everyFrameSettings(base, applyConfigPatch(base, patch, replace));

  it('endpoint, proxy, TLS trust and code-loading variables, in any case; not model names or keys', () => {
    for (const name of [
      'ANTHROPIC_BASE_URL',
      'OPENAI_BASE_URL',
      'ANTHROPIC_BEDROCK_BASE_URL',
      'ANTHROPIC_API_URL',
      'OPENAI_API_BASE',
      'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
      'OLLAMA_HOST',
      'HTTPS_PROXY',
      'https_proxy',
      'ALL_PROXY',
      'NO_PROXY',
      'NODE_OPTIONS',
      'NODE_EXTRA_CA_CERTS',
      'NODE_TLS_REJECT_UNAUTHORIZED',
      'LD_PRELOAD',
      'PATH',
      'BASH_ENV',
    ]) {
      expect(isEndpointVariable(name), name).toBe(true);
    }
    for (const name of [
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_MODEL',
      'OPENAI_API_KEY',
      'CLAUDE_CODE_MAX_OUTPUT_TOKENS',
      'DEBUG',
    ])
      expect(isEndpointVariable(name), name).toBe(false);
  });

  it('setting or changing an endpoint variable, and turning cross_frame_search on; not removing, keeping or other settings', () => {
    expect(reach({ agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } })).toEqual([
      'agents.env.ANTHROPIC_BASE_URL',
    ]);
    expect(reach({ agents: { env: { HTTPS_PROXY: 'http://evil.example' } } })).toEqual(['agents.env.HTTPS_PROXY']);
    expect(reach({ context: { cross_frame_search: true } })).toEqual(['context.cross_frame_search']);
    expect(reach({ agents: { env: { ANTHROPIC_BASE_URL: REDACTED } } })).toEqual([]); // written back unchanged
    expect(reach({ agents: { env: { ANTHROPIC_BASE_URL: 'http://proxy.local' } } })).toEqual([]);
    expect(reach({ agents: { env: { ANTHROPIC_BASE_URL: null } } })).toEqual([]); // removed: the host's endpoint again
    expect(
      reach({
        agents: { env: { ANTHROPIC_MODEL: 'other', ANTHROPIC_API_KEY: 'sk-own' } },
        context: { cross_frame_search: false },
      }),
    ).toEqual([]);
    expect(
      reach(
        { agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } }, context: { cross_frame_search: true } },
        true,
      ),
    ).toEqual(['agents.env.ANTHROPIC_BASE_URL', 'context.cross_frame_search']);
  });

  it('what the frame reaches and runs (mounts, SSH agent, image, network, hosts, endpoints in env); not its commands, ports or limits', () => {
    expect(reach({ mounts: [{ source: '/data', target: '/data' }] })).toEqual(['mounts']);
    expect(reach({ ssh_agent: true })).toEqual(['ssh_agent']);
    expect(reach({ image: 'localhost/mine:1' })).toEqual(['image']);
    expect(reach({ network: 'full' })).toEqual(['network']); // any change: a frame may not open its own allowlist
    expect(reach({ hosts: { 'db.test': '10.0.0.5' } })).toEqual(['hosts']);
    expect(reach({ env: { HTTPS_PROXY: 'http://evil.example', NODE_ENV: 'dev' } })).toEqual(['env.HTTPS_PROXY']);
    expect(
      reach({
        setup: ['npm ci'],
        start: [{ name: 'web', command: 'npm run dev' }],
        ports: [5173],
        resources: { memory: '1g' },
        git: { name: 'Ada', email: 'ada@example.com' },
        ssh_agent: false,
      }),
    ).toEqual([]);
  });
});
