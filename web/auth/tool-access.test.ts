import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { frameConfigSchema } from '../../servers/frames/frame-config.js';
import { allTools } from '../../host/registry.js';
import { actsOnRule, type AnyTool } from '../../servers/shared/define-tool.js';
import type { Principal } from './permissions.js';
import { toolAccess, type FrameLookup } from './tool-access.js';

const FRAMES = [
  { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'web', groupId: 'frame_aaaaaaaa0000' },
  { id: 'bbbbbbbb-0000-4000-8000-000000000002', name: 'api', groupId: 'frame_bbbbbbbb0000' },
];
const configs: Record<string, Record<string, unknown>> = {
  web: { name: 'web', workspace: '/w/web', agents: { env: { ANTHROPIC_BASE_URL: 'http://proxy.local' } } },
  api: { name: 'api', workspace: '/w/api', context: { cross_frame_search: true } },
};
/** Frames as FrameManager.resolve finds them: by name, else by a unique id prefix of 6 or more. */
const find = (ref: string) =>
  FRAMES.find((f) => f.name === ref) ?? (ref.length >= 6 ? FRAMES.find((f) => f.id.startsWith(ref)) : undefined);
const lookup: FrameLookup = {
  resolve(ref) {
    const f = find(ref);
    if (!f) throw new Error(`frame '${ref}' not found`);
    return f;
  },
  list: () => FRAMES,
  config: (ref) => (find(ref) ? (configs[find(ref)!.name] as never) : undefined),
};
/** What the tools' rules look up: the frames services (frame_config_set) and the task service (task_*). */
const deps = {
  frames: { getConfig: (ref: string) => ({ config: frameConfigSchema.parse(configs[lookup.resolve(ref).name]) }) },
  get(ref: string) {
    const task = [
      { id: '1111aaaa', frameId: FRAMES[0]!.id },
      { id: '2222bbbb', frameId: FRAMES[1]!.id },
    ].find((t) => t.id.startsWith(ref));
    if (!task) throw new Error(`no task '${ref}'`);
    return task;
  },
};

const tool = (name: string) => allTools().find((t) => t.name === name)!;
const everything: Principal = { subject: 'admin', permissions: ['read', 'write', 'manage'] };
const webOnly: Principal = { subject: 'web-token', permissions: ['read', 'write', 'manage'], frames: ['web'] };
const webReader: Principal = { subject: 'web-reader', permissions: ['read'], frames: ['web'] };
/** The refusal of a call with these arguments, parsed as the tool's schema parses them (defaults in, unknown keys out). */
const refusal = (who: Principal, name: string, args: Record<string, unknown>) =>
  toolAccess(who, lookup).refuse(tool(name), z.object(tool(name).input).parse(args), deps);

describe('what every tool acts on', () => {
  it('every tool has a scope rule: its required `frame`, or its own declaration', () => {
    const missing = allTools()
      .filter((t) => !actsOnRule(t))
      .map((t) => t.name);
    expect(missing).toEqual([]);
  });

  it('a tool taking anything else that can name a frame (an agent, a task, groups, an optional frame, a URL) declares its own rule', () => {
    const namesAFrame = (t: AnyTool<unknown>) => {
      const keys = Object.keys(t.input);
      const frame = t.input.frame as z.ZodType | undefined;
      // `task` is a task id in task_status/task_cancel, the task's text in agent_spawn and task_assign.
      const taskId = keys.includes('task') && !(t.input.task as z.ZodType).safeParse('write the tests').success;
      return (
        taskId ||
        keys.some((k) => ['agent', 'group_ids', 'url'].includes(k)) ||
        (frame !== undefined && frame.safeParse(undefined).success) ||
        !frame
      );
    };
    expect(
      allTools()
        .filter((t) => namesAFrame(t) && !t.actsOn)
        .map((t) => t.name),
    ).toEqual([]);
  });

  it('tools that act on no frame are closed to a frame-limited session before their arguments are read', () => {
    const access = toolAccess(webOnly, lookup);
    const closed = allTools()
      .filter((t) => access.refuseTool(t))
      .map((t) => t.name)
      .sort();
    expect(closed).toEqual(
      [
        'browser_click',
        'browser_console',
        'browser_evaluate',
        'browser_navigate',
        'browser_screenshot',
        'browser_scroll',
        'browser_snapshot',
        'browser_type',
        'frame_create',
        'frame_doctor',
        'frame_image_build',
        'frame_image_status',
        'guake_list_tabs',
      ].sort(),
    );
    expect(access.refuseTool(tool('frame_create'))).toBe(
      "this session is limited to frame 'web'; frame_create acts on no frame (it creates a new frame): use a token without a frame scope (or the password)",
    );
    // The same tools are open to a session for every frame.
    expect(allTools().filter((t) => toolAccess(everything, lookup).refuseTool(t))).toEqual([]);
  });
});

describe('scopes on the parsed arguments', () => {
  it('a key the tool does not take counts for nothing: frame_create with "frame" is still refused', () => {
    expect(refusal(webOnly, 'frame_create', { frame: 'web', name: 'evil', workspace: '/w/evil' })).toMatch(
      /frame_create acts on no frame/,
    );
    expect(refusal(everything, 'frame_create', { name: 'evil', workspace: '/w/evil' })).toBeUndefined();
  });

  it("an agent is in its prefix's frame; a name alone may be in any frame, so a limited session names the frame", () => {
    expect(refusal(webReader, 'agent_status', { agent: 'web/claude-1' })).toBeUndefined();
    expect(refusal(webReader, 'agent_status', { frame: 'web', agent: 'api/claude-1' })).toBe(
      "this session is limited to frame 'web'; agent_status acts on agent 'api/claude-1', which is not in it (it needs read there)",
    );
    expect(refusal(webOnly, 'agent_stop', { agent: `${FRAMES[1]!.id.slice(0, 8)}/claude-1` })).toMatch(
      /which is not in it/,
    ); // api by id prefix
    expect(refusal(webOnly, 'agent_stop', { agent: `${FRAMES[0]!.id.slice(0, 8)}/claude-1` })).toBeUndefined(); // web by id prefix
    expect(refusal(webReader, 'agent_status', { agent: 'claude-1' })).toBe(
      "this session is limited to frame 'web'; agent_status acts on agent 'claude-1' named without its frame, which may be in any frame: name it as <frame>/claude-1",
    );
    expect(refusal(everything, 'agent_status', { agent: 'claude-1' })).toBeUndefined();
    for (const name of ['agent_send', 'agent_wait', 'agent_read', 'agent_approve', 'agent_stop']) {
      const args = { agent: 'api/claude-1', message: 'hi', decision: 'allow' };
      expect(refusal(webOnly, name, args), name).toMatch(/acts on agent 'api\/claude-1', which is not in it/);
    }
  });

  it("a task is in its frame; an unknown task is refused in the same words as another frame's, so the refusal tells nothing", () => {
    expect(refusal(webReader, 'task_status', { task: '1111' })).toBeUndefined();
    const other = refusal(webReader, 'task_status', { task: '2222' });
    expect(other).toBe(
      "this session is limited to frame 'web'; task_status acts on task '2222', which is not in it (it needs read there)",
    );
    expect(refusal(webReader, 'task_status', { task: '9999' })).toBe(other!.replace('2222', '9999'));
    expect(refusal(webOnly, 'task_cancel', { task: '2222bbbb' })).toMatch(
      /acts on task '2222bbbb', which is not in it/,
    );
    expect(refusal(everything, 'task_status', { task: '9999' })).toBeUndefined(); // the tool says it does not exist
  });

  it('lists of every frame are cut to the frames of the session', () => {
    const access = toolAccess(webReader, lookup);
    expect(refusal(webReader, 'frame_list', {})).toBeUndefined();
    expect(access.shape(tool('frame_list'), { frames: [{ name: 'web' }, { name: 'api' }] })).toEqual({
      frames: [{ name: 'web' }],
    });
    expect(access.shape(tool('agent_list'), { agents: [{ frame: 'web' }, { frame: 'api' }] })).toEqual({
      agents: [{ frame: 'web' }],
    });
    expect(
      access.shape(tool('task_list'), { tasks: [{ frameId: FRAMES[0]!.id }, { frameId: FRAMES[1]!.id }] }),
    ).toEqual({ tasks: [{ frameId: FRAMES[0]!.id }] });
    expect(refusal(webReader, 'agent_list', { frame: 'api' })).toMatch(/acts on frame 'api', which is not in it/);
    expect(
      toolAccess(everything, lookup).shape(tool('frame_list'), { frames: [{ name: 'web' }, { name: 'api' }] }),
    ).toEqual({ frames: [{ name: 'web' }, { name: 'api' }] });
  });

  it("before parsing: a `frame` the tool takes, outside the session's frames, is refused whatever the rest; one the tool does not take counts for nothing", () => {
    const access = toolAccess(webOnly, lookup);
    expect(access.refuseUnparsed(tool('tmux_send_keys'), { frame: 'api', window: '!!', keys: 7 })).toMatch(
      /tmux_send_keys acts on frame 'api', which is not in it/,
    );
    expect(access.refuseUnparsed(tool('tmux_send_keys'), { frame: 'web', window: '!!' })).toBeUndefined(); // then a 400
    expect(access.refuseUnparsed(tool('agent_stop'), { frame: 'api', agent: 'api/x' })).toBeUndefined(); // agent_stop takes no frame: judged after parsing
    expect(access.refuseUnparsed(tool('frame_create'), { frame: 'web' })).toMatch(/acts on no frame/);
  });

  it('the permission comes first, whatever the frame', () => {
    expect(refusal(webReader, 'frame_stop', { frame: 'web' })).toBe(
      'this session may not write (frame_stop needs write; it has read on web)',
    );
    expect(refusal(webReader, 'frame_create', { name: 'x', workspace: '/x' })).toMatch(/may not manage/);
  });
});

describe('knowledge of other frames', () => {
  it("a context call reads the groups of the frame it names, or of the groups' frames; shared_global alone only for every frame", () => {
    expect(refusal(webReader, 'context_search', { frame: 'web', query: 'q' })).toBeUndefined();
    expect(refusal(webReader, 'context_search', { group_ids: ['frame_aaaaaaaa0000'], query: 'q' })).toBeUndefined();
    expect(refusal(webReader, 'context_search', { group_ids: ['frame_bbbbbbbb0000'], query: 'q' })).toMatch(
      /acts on group 'frame_bbbbbbbb0000', which is not in it/,
    );
    // An unknown group: the same words.
    expect(refusal(webReader, 'context_get_episodes', { group_ids: ['frame_cccccccc0000'] })).toMatch(
      /acts on group 'frame_cccccccc0000', which is not in it/,
    );
    expect(refusal(webOnly, 'context_add_episode', { group_ids: ['shared_global'], name: 'n', content: 'c' })).toMatch(
      /names shared_global, which is every frame's group/,
    );
    expect(refusal(everything, 'context_clear_group', { group_ids: ['shared_global'], confirm: true })).toBeUndefined();
  });

  it("a search of a frame with cross_frame_search on reads every frame's knowledge: refused to a session limited to that frame", () => {
    const apiReader: Principal = { subject: 'api-reader', permissions: ['read'], frames: ['api'] };
    for (const name of ['context_search', 'context_search_nodes', 'context_curate']) {
      expect(refusal(apiReader, name, { frame: 'api', query: 'q', task: 't' }), name).toBe(
        `this session is limited to frame 'api'; frame 'api' has context.cross_frame_search on, so this reads every frame's knowledge (context_curate takes cross_frame: false): only a session for every frame may do that, so use a token without a frame scope (or the password)`,
      );
    }
    expect(refusal(apiReader, 'context_curate', { frame: 'api', task: 't', cross_frame: false })).toBeUndefined();
    expect(refusal(apiReader, 'context_get_episodes', { frame: 'api' })).toBeUndefined(); // never cross-frame
    expect(refusal(webReader, 'context_curate', { frame: 'web', task: 't', cross_frame: true })).toMatch(
      /limited to frame 'web'; cross_frame: true reads every frame's knowledge: only a session for every frame/,
    );
    expect(refusal(everything, 'context_search', { frame: 'api', query: 'q' })).toBeUndefined();
  });
});

describe('frame config settings that reach beyond the frame', () => {
  it('a frame-limited manage session may not point agents elsewhere or turn cross-frame search on; one for every frame may', () => {
    expect(
      refusal(webOnly, 'frame_config_set', {
        frame: 'web',
        values: { agents: { env: { ANTHROPIC_BASE_URL: 'http://evil.example' } } },
      }),
    ).toBe(
      "this session is limited to frame 'web'; frame_config_set sets agents.env.ANTHROPIC_BASE_URL (it decides where the frame's agents send the model key they get from the host): only a session for every frame may do that, so use a token without a frame scope (or the password)",
    );
    expect(
      refusal(webOnly, 'frame_config_set', { frame: 'web', values: { context: { cross_frame_search: true } } }),
    ).toMatch(/context.cross_frame_search \(it lets frame 'web' read every frame's knowledge\)/);
    expect(
      refusal(webOnly, 'frame_config_set', {
        frame: 'web',
        values: { agents: { env: { https_proxy: 'http://evil.example' } } },
        replace: true,
      }),
    ).toMatch(/agents.env.https_proxy/);
    // Its own key, a model, the endpoint written back redacted or removed: its frame's business.
    expect(
      refusal(webOnly, 'frame_config_set', {
        frame: 'web',
        values: {
          agents: { env: { ANTHROPIC_API_KEY: 'sk-own', ANTHROPIC_MODEL: 'm', ANTHROPIC_BASE_URL: '<redacted>' } },
        },
      }),
    ).toBeUndefined();
    expect(
      refusal(webOnly, 'frame_config_set', {
        frame: 'web',
        values: { agents: { env: { ANTHROPIC_BASE_URL: null } }, context: { cross_frame_search: false } },
      }),
    ).toBeUndefined();
    expect(
      refusal(everything, 'frame_config_set', {
        frame: 'web',
        values: { agents: { env: { ANTHROPIC_BASE_URL: 'http://elsewhere' } }, context: { cross_frame_search: true } },
      }),
    ).toBeUndefined();
  });

  it("another frame's config is refused in words that do not depend on that config", () => {
    // api already has cross_frame_search on: turning it on is no change there, but the refusal is the same.
    const on = refusal(webOnly, 'frame_config_set', {
      frame: 'api',
      values: { context: { cross_frame_search: true } },
    });
    const off = refusal(webOnly, 'frame_config_set', { frame: 'api', values: { description: 'x' } });
    expect(on).toBe(
      "this session is limited to frame 'web'; frame_config_set acts on frame 'api', which is not in it (it needs manage there)",
    );
    expect(off).toBe(on);
  });
});
