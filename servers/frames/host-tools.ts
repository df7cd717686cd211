import { z } from 'zod';
import { noFrame, toolsFor, type AnyTool } from '../shared/define-tool.js';
import { READS, SETS, SETS_OUTSIDE } from '../shared/tool-annotations.js';
import type { FramesServices } from './services.js';

type S = FramesServices;
const defineTool = toolsFor<S>();

/** The host side of frames: the frame image, and the checks of podman and the machine. */
export const hostTools = [
  defineTool({
    name: 'frame_image_build',
    title: 'Build the frame image',
    description:
      'Builds the image frames run (Dockerfile.frame), with progress notifications. Skipped when the image was built from the same inputs, ' +
      'unless force. Makes a Debian base from the Debian mirror when no registry answers (debootstrap as root, mmdebstrap rootless). Takes minutes the first time.',
    input: { force: z.boolean().default(false).describe('Rebuild even when the inputs are unchanged') },
    output: { image: z.string(), hash: z.string(), base: z.string(), skipped: z.boolean(), durationMs: z.number() },
    annotations: SETS_OUTSIDE,
    actsOn: noFrame("builds the host's frame image, which every frame runs"),
    async handle(s, args, ctx) {
      return s.images.build({
        force: args.force,
        progress: (message, step, total) => ctx.progress(message, step, total),
      });
    },
  }),
  defineTool({
    name: 'frame_image_status',
    title: 'Frame image status',
    description: 'Whether the frame image exists and was built from the current inputs.',
    input: {},
    output: {
      image: z.string(),
      exists: z.boolean(),
      hash: z.string().nullable(),
      expectedHash: z.string().nullable(),
      upToDate: z.boolean(),
      base: z.string().nullable(),
    },
    annotations: READS,
    actsOn: noFrame("reads the host's frame image"),
    async handle(s) {
      return s.images.status();
    },
  }),
  defineTool({
    name: 'frame_doctor',
    title: 'Check the host for frames',
    description:
      'Checks podman, tmux, the image, the socket directory and the port range, and probes the OCI runtime and ulimits that work here ' +
      '(saved to config.yaml). Each failure comes with a fix.',
    input: {},
    output: {
      ok: z.boolean(),
      checks: z.array(
        z.object({
          name: z.string(),
          status: z.enum(['ok', 'warn', 'fail']),
          detail: z.string(),
          fix: z.string().optional(),
        }),
      ),
    },
    annotations: SETS,
    actsOn: noFrame('checks and configures the host'),
    async handle(s) {
      return s.doctor();
    },
  }),
] satisfies AnyTool<S>[];
