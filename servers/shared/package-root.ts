import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The installed package's root (where Dockerfile.frame and frame-image/ live). Found by walking up
 * because code runs both from `dist/` (one level deeper) and from source under the test runner.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'optagon') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the optagon package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
