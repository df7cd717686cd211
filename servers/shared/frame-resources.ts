import { z } from 'zod';

/**
 * A frame's resource limits (podman --cpus, --memory, --pids-limit): a frame config's `resources`,
 * with defaults from config.yaml's frames.resources. Here because both validate them.
 */
export const resourcesSchema = z
  .object({
    /** CPUs the frame may use (podman --cpus), e.g. 2 or 0.5. */
    cpus: z.number().positive().max(1024),
    /** Memory the frame may use (podman --memory), e.g. 512m or 4g. */
    memory: z
      .string()
      .regex(/^[1-9][0-9]*(\.[0-9]+)?[bkmg]?$/i, 'a size such as 512m or 4g')
      .refine((s) => sizeBytes(s) >= 6 * 1024 ** 2, 'at least 6m (podman refuses less)'),
    /** Processes the frame may have at once (podman --pids-limit). */
    pids: z.number().int().min(32).max(4_194_304),
  })
  .partial()
  .strict();
export type Resources = z.output<typeof resourcesSchema>;

/** Bytes in a podman size (512m, 4g, 1.5g; no unit: bytes). */
export function sizeBytes(size: string): number {
  const m = /^([0-9.]+)([bkmg]?)$/i.exec(size);
  if (!m) return NaN;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as 'b'];
  return Math.round(parseFloat(m[1]!) * unit);
}
