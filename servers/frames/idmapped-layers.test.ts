import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDMAPPED_LAYERS_FAILURE, preferCopiedLayers } from './idmapped-layers.js';

const runRoot = mkdtempSync(join(tmpdir(), 'optagon-runroot-'));
afterAll(() => rmSync(runRoot, { recursive: true, force: true }));

describe("podman 4.3's id-mapped layers", () => {
  it("knows podman's failure (as podman 4.3 words it here) from any other mount error", () => {
    const o = '/var/lib/containers/storage/overlay/bd16';
    const failure = `Error: unable to start container "8e2d": mounting storage for container 8e2d: creating overlay mount to ${o}/merged, mount_data="lowerdir=${o}/mapped/0/l/EM4H:${o}/mapped/0/l/diff1,upperdir=${o}/diff,workdir=${o}/work,": no such file or directory`;
    expect(IDMAPPED_LAYERS_FAILURE.test(failure)).toBe(true);
    expect(
      IDMAPPED_LAYERS_FAILURE.test(
        `creating overlay mount to ${o}/merged, mount_data="lowerdir=${o}/l/EM4H,upperdir=${o}/diff": no space left on device`,
      ),
    ).toBe(false);
  });

  it("turns podman's cached probe to no, once, and leaves a run root without it alone", () => {
    expect(preferCopiedLayers(runRoot)).toBe(false);
    mkdirSync(join(runRoot, 'overlay'));
    writeFileSync(join(runRoot, 'overlay', 'idmapped-lower-dir-true'), '');
    expect(preferCopiedLayers(runRoot)).toBe(true);
    expect(existsSync(join(runRoot, 'overlay', 'idmapped-lower-dir-true'))).toBe(false);
    expect(existsSync(join(runRoot, 'overlay', 'idmapped-lower-dir-false'))).toBe(true);
    expect(preferCopiedLayers(runRoot)).toBe(false);
  });
});
