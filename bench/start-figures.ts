import type { BenchHome } from './bench-home.js';
import { benchFrameList } from './frame-list.js';
import { benchFrameStart } from './frame-start.js';
import type { Figure } from './report.js';

/** Frames a start benchmark makes, and how many of them it leaves running for `frame list`. */
export const FRAMES = 5;
export const RUNNING = 3;

/**
 * Frame start (first and warm) and `frame list --embedded` in `home`, each against plain podman as
 * the same user: what the rootful run measures among its other figures and the rootless run alone.
 */
export async function benchStartAndList(home: BenchHome, cycles?: number): Promise<Figure[]> {
  const frames = await home.createFrames(FRAMES);
  const start = await benchFrameStart(home, frames.slice(0, RUNNING), cycles);
  return [...start, ...(await benchFrameList(home, 10, { embeddedOnly: true }))];
}
