import { z } from 'zod';
import { onFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { READS, SETS } from '../shared/tool-annotations.js';
import { applyConfigPatch, everyFrameSettings, redactConfig } from './frame-config.js';
import { frameBriefOutput, frameRef, frameBrief } from './schemas.js';
import type { FramesServices } from './services.js';

type S = FramesServices;

/** Keys that take effect when the frame next starts: its container is made with them, or its commands run then. */
const AT_NEXT_START = [
  'setup',
  'start',
  'ports',
  'env',
  'resources',
  'mounts',
  'git',
  'ssh_agent',
  'image',
  'network',
  'hosts',
] as const;
const defineTool = toolsFor<S>();

/**
 * What a config change reaches beyond its frame, for frame_config_set's scope: the settings only a
 * principal with manage on every frame may make (frame-config.ts everyFrameSettings). A change that
 * cannot be applied reaches nothing: the tool refuses it with the reason.
 */
function configReach(s: S, frame: string, values: Record<string, unknown>, replace: boolean): string | undefined {
  let settings: string[];
  try {
    const { config } = s.frames.getConfig(frame);
    settings = everyFrameSettings(config, applyConfigPatch(config, values, replace));
  } catch {
    return undefined;
  }
  if (!settings.length) return undefined;
  const reasons: Record<string, string> = {
    'context.cross_frame_search': `it lets frame '${frame}' read every frame's knowledge`,
    mounts: 'it gives the frame host directories',
    ssh_agent: "it lets the frame use the host's SSH keys",
    image: 'it decides what the frame runs',
    network: 'it decides where the frame may connect',
    hosts: 'it decides where the frame may connect',
  };
  const why = (key: string) =>
    `${key} (${reasons[key] ?? "it decides where the frame's agents send the model key they get from the host"})`;
  return `frame_config_set sets ${settings.map(why).join(' and ')}`;
}

/** A frame's configuration: read (secrets redacted) and set. */
export const configTools = [
  defineTool({
    name: 'frame_config_get',
    title: 'Get frame configuration',
    description:
      "The frame's configuration (manager, context and other sections), as stored and mirrored to frames/<id>/config.yaml.",
    input: { frame: frameRef },
    output: { frame: frameBriefOutput, config: z.record(z.string(), z.unknown()) },
    annotations: READS,
    async handle(s, args) {
      const r = s.frames.getConfig(args.frame);
      return { frame: frameBrief(r.frame), config: redactConfig(r.config) };
    },
  }),
  defineTool({
    name: 'frame_config_set',
    title: 'Change frame configuration',
    description:
      'Deep-merges `values` into the frame configuration and validates the result; null removes a key. name and workspace are fixed. ' +
      'Example: {"manager": {"behavior": {"max_concurrent_agents": 2}}}. With replace, `values` becomes the whole configuration.',
    input: {
      frame: frameRef,
      values: z.record(z.string(), z.unknown()).describe('Settings to change'),
      replace: z.boolean().default(false).describe('Make `values` the whole configuration instead of merging it in'),
    },
    output: {
      frame: frameBriefOutput,
      config: z.record(z.string(), z.unknown()),
      applies: z.string().optional().describe('When the change takes effect, if not at once'),
    },
    annotations: SETS,
    actsOn: (args, s) => onFrame(args.frame, configReach(s, args.frame, args.values, args.replace)),
    async handle(s, args) {
      const before = s.frames.getConfig(args.frame).config;
      const r = s.frames.setConfig(args.frame, args.values, args.replace);
      const later = AT_NEXT_START.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(r.config[k]));
      return {
        frame: frameBrief(r.frame),
        config: redactConfig(r.config),
        ...(later.length
          ? {
              applies:
                `${later.join(', ')} ${later.length > 1 ? 'apply' : 'applies'} at the frame's next start (frame_restart)` +
                (later.some((k) => k !== 'setup' && k !== 'start')
                  ? ', in a new container (the workspace is kept; setup runs again)'
                  : ''),
            }
          : {}),
      };
    },
  }),
] satisfies AnyTool<S>[];
