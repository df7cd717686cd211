import type { AnyTool } from '../shared/define-tool.js';
import { configTools } from './config-tools.js';
import { hostTools } from './host-tools.js';
import { inspectTools } from './inspect-tools.js';
import { lifecycleTools } from './lifecycle-tools.js';
import type { FramesServices } from './services.js';

/** The frames server's tools, in the order tools/list shows them. */
export const frameTools = [
  ...lifecycleTools,
  ...inspectTools,
  ...configTools,
  ...hostTools,
] satisfies AnyTool<FramesServices>[];
