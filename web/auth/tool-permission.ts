import type { AnyTool } from '../../servers/shared/define-tool.js';
import type { Permission } from './permissions.js';

/** Tools that create or destroy, or change how Optagon itself runs: `manage`. */
const MANAGING = new Set([
  'agent_discard',
  'frame_create',
  'frame_destroy',
  'frame_config_set',
  'frame_image_build',
  'context_clear_group',
  'context_delete_episode',
]);

/** What a call of this tool needs: reading tools `read`, the ones above `manage`, the rest (start, stop, type) `write`. */
export function permissionFor(tool: AnyTool<unknown>): Permission {
  if (MANAGING.has(tool.name)) return 'manage';
  return tool.annotations.readOnlyHint ? 'read' : 'write';
}
