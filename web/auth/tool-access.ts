import type { FrameManager } from '../../servers/frames/frame-manager.js';
import type { AnyTool } from '../../servers/shared/define-tool.js';
import { allows, type Principal } from './permissions.js';
import { permissionFor } from './tool-permission.js';

type Rows = Record<string, unknown>;

/** List tools a frame-scoped session may call, and how their answer is cut down to its frames. */
const SCOPED_LISTS: Record<string, (result: Rows, frames: string[]) => Rows> = {
  frame_list: (r, frames) => ({ ...r, frames: (r.frames as Rows[]).filter((f) => frames.includes(String(f.name))) }),
  agent_list: (r, frames) => ({ ...r, agents: (r.agents as Rows[]).filter((a) => frames.includes(String(a.frame))) }),
};

/** What a principal may call, and what it may see of an answer: the same rule for the REST mirror and MCP. */
export interface ToolAccess {
  /** Why this call is refused, or undefined when it may go ahead. */
  refuse(tool: AnyTool<unknown>, args: Record<string, unknown>): string | undefined;
  /** The answer as this principal may see it. */
  shape(tool: string, result: Rows): Rows;
  /** Whether it may see every frame (MCP resources list them all). */
  readonly everyFrame: boolean;
}

/** A principal's access to tools; `frames` resolves the frame a call names. */
export function toolAccess(principal: Principal, frames: Pick<FrameManager, 'resolve'>): ToolAccess {
  const scope = principal.frames;
  // Scopes name frames; a call may name one by id: both are accepted for a scoped frame.
  const frameName = (ref: string) => {
    try {
      return frames.resolve(ref).name;
    } catch {
      return ref;
    }
  };
  return {
    everyFrame: !scope,
    refuse(tool, args) {
      const needed = permissionFor(tool);
      const frame = args.frame;
      if (!allows(principal, needed, typeof frame === 'string' ? frameName(frame) : undefined)) {
        return `this session may not ${needed}${typeof frame === 'string' ? ` frame '${frame}'` : ''} (${tool.name} needs ${needed}; it has ${principal.permissions.join(', ')}${scope ? ` on ${scope.join(', ')}` : ''})`;
      }
      // A session limited to some frames calls tools that name one of them, or the lists cut down below.
      if (scope && typeof frame !== 'string' && !SCOPED_LISTS[tool.name]) return `this session is limited to ${scope.join(', ')}: name one of them with "frame" (${tool.name} does not)`;
      return undefined;
    },
    shape(tool, result) {
      return scope && SCOPED_LISTS[tool] ? SCOPED_LISTS[tool](result, scope) : result;
    },
  };
}
