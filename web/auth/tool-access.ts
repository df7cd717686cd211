import type { FramesServices } from '../../servers/frames/services.js';
import {
  actsOnRule,
  onFrame,
  type ActsOn,
  type AnyTool,
  type FrameDirectory,
  type ToolAccess,
} from '../../servers/shared/define-tool.js';
import type { Principal } from './permissions.js';
import { permissionFor } from './tool-permission.js';

type Rows = Record<string, unknown>;

/** Frames as the access rule looks them up: as the tools resolve a reference, and the directory rules see. */
export interface FrameLookup extends FrameDirectory {
  /** The frame a reference names, as the tools resolve it (name, id or id prefix); throws when none. */
  resolve(ref: string): { id: string; name: string };
}

/** The lookup over the frames services. */
export function frameLookup(s: Pick<FramesServices, 'frames' | 'store'>): FrameLookup {
  return {
    resolve: (ref) => s.frames.resolve(ref),
    list: () => s.store.listFrames().map((f) => ({ id: f.id, name: f.name, groupId: f.graphitiGroupId })),
    config(ref) {
      try {
        return s.frames.getConfig(ref).config;
      } catch {
        return undefined;
      }
    },
  };
}

const quoted = (names: string[]) => names.map((n) => `'${n}'`).join(', ');

/** A principal's access to tools over the frames as `frames` finds them. */
export function toolAccess(principal: Principal, frames: FrameLookup): ToolAccess {
  const scope = principal.frames;
  const limited = scope && `this session is limited to frame${scope.length > 1 ? 's' : ''} ${quoted(scope)}`;
  const has = `it has ${principal.permissions.join(', ')}${scope ? ` on ${scope.join(', ')}` : ''}`;

  /** The ids of the scope's frames now: by exact name (a scope names frames), never by id prefix. */
  const scopeIds = () =>
    new Set(
      frames
        .list()
        .filter((f) => scope!.includes(f.name))
        .map((f) => f.id),
    );
  /** Whether a frame the caller named is in scope, resolved as the tool will resolve it. */
  const refInScope = (ref: string, ids: Set<string>) => {
    try {
      return ids.has(frames.resolve(ref).id);
    } catch {
      return scope!.includes(ref); // no such frame: the tool will say so, if it is one of the scope's names
    }
  };

  const refuseTool = (tool: AnyTool<unknown>): string | undefined => {
    const needed = permissionFor(tool);
    if (!principal.permissions.includes(needed))
      return `this session may not ${needed} (${tool.name} needs ${needed}; ${has})`;
    if (!scope) return undefined;
    const rule = actsOnRule(tool);
    if (!rule)
      return `${limited}; ${tool.name} does not declare what it acts on, so only a session for every frame may call it`;
    if (typeof rule !== 'function') return refuseActs(tool, rule);
    return undefined;
  };

  /** Why a call acting on `acts` is refused to this frame-limited session. */
  const refuseActs = (tool: AnyTool<unknown>, acts: ActsOn): string | undefined => {
    const fix = 'use a token without a frame scope (or the password)';
    if (acts.on === 'none') return `${limited}; ${tool.name} acts on no frame (it ${acts.why}): ${fix}`;
    if (acts.on === 'every') return tool.scopedAnswer ? undefined : `${limited}; ${tool.name} ${acts.why}`;
    const ids = scopeIds();
    const inside =
      !acts.unresolved &&
      (acts.refs ?? []).every((r) => refInScope(r, ids)) &&
      (acts.ids ?? []).every((id) => ids.has(id));
    if (!inside)
      return `${limited}; ${tool.name} acts on ${acts.what}, which is not in it (it needs ${permissionFor(tool)} there)`;
    if (acts.everyFrame) return `${limited}; ${acts.everyFrame}: only a session for every frame may do that, so ${fix}`;
    return undefined;
  };

  return {
    everyFrame: !scope,
    refuseTool,
    refuseUnparsed(tool, body) {
      const early = refuseTool(tool);
      if (early || !scope) return early;
      const schema = (
        tool.input as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined>
      ).frame;
      const parsed =
        schema && typeof body === 'object' && body !== null ? schema.safeParse((body as Rows).frame) : undefined;
      if (!parsed?.success || typeof parsed.data !== 'string') return undefined;
      return refuseActs(tool, onFrame(parsed.data));
    },
    refuse(tool, args, deps) {
      const early = refuseTool(tool);
      if (early || !scope) return early;
      const rule = actsOnRule(tool)!;
      let acts: ActsOn;
      try {
        acts = typeof rule === 'function' ? rule(args, deps, frames) : rule;
      } catch {
        // A rule that cannot tell what the call acts on: no frame-limited session may make it.
        acts = { on: 'frames', what: 'what it names', unresolved: true };
      }
      return refuseActs(tool, acts);
    },
    shape(tool, result) {
      if (!scope || !tool.scopedAnswer) return result;
      const ids = scopeIds();
      return tool.scopedAnswer(result, (frame) => scope.includes(frame) || ids.has(frame)) as Rows;
    },
  };
}
