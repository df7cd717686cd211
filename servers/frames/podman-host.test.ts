import { describe, expect, it } from 'vitest';
import { parsePodmanInfo, podmanHostChecks, subordinateRanges, type HostFiles } from './podman-host.js';

const info = (rootless: boolean, driver = 'overlay', cgroup = 'v1') =>
  JSON.stringify({
    host: { security: { rootless, seccompEnabled: true }, cgroupVersion: cgroup, arch: 'amd64' },
    store: { graphDriverName: driver },
    version: {},
  });
const user = { name: 'dev', uid: 1001 };
const files = (over: Partial<Record<string, string>> = {}, usable = ['/dev/net/tun', '/dev/fuse']): HostFiles => ({
  read: (p) => ({ '/etc/subuid': 'dev:100000:65536\n', '/etc/subgid': '1001:100000:65536\n', ...over })[p] ?? null,
  usable: (p) => usable.includes(p),
});
const byName = (checks: ReturnType<typeof podmanHostChecks>) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('podman host checks', () => {
  it("reads podman info's mode, storage driver and cgroup version", () => {
    expect(parsePodmanInfo(info(true, 'vfs', 'v2'))).toEqual({
      rootless: true,
      storageDriver: 'vfs',
      cgroupVersion: 'v2',
    });
    expect(() => parsePodmanInfo('{"host":{}}')).toThrow();
  });

  it('subordinate ranges by name or uid; other users and junk lines are not counted', () => {
    expect(subordinateRanges('root:1:2\ndev:100000:65536\n1001:200000:10\nbad line\ndev:x:1\n', user)).toEqual([
      { start: 100000, count: 65536 },
      { start: 200000, count: 10 },
    ]);
  });

  it('rootful is a warning with the fix; no subordinate or device checks', () => {
    const c = byName(podmanHostChecks(parsePodmanInfo(info(false)), files(), user));
    expect(c['podman mode']).toMatchObject({ status: 'warn', fix: expect.stringContaining('normal user') });
    expect(Object.keys(c)).toEqual(['podman mode', 'storage', 'cgroups']);
    expect(c.cgroups!.detail).toContain('from podman stats');
  });

  it('rootless on cgroup v1 with everything in place: all ok, stats read from /proc', () => {
    const checks = podmanHostChecks(parsePodmanInfo(info(true)), files(), user);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['podman mode', 'ok'],
      ['storage', 'ok'],
      ['cgroups', 'ok'],
      ['subuids', 'ok'],
      ['subgids', 'ok'],
      ['/dev/net/tun', 'ok'],
      ['/dev/fuse', 'ok'],
    ]);
    expect(byName(checks).cgroups!.detail).toContain('/proc');
  });

  it('rootless gaps each say their fix: vfs, no subuids, short subgids, devices not usable', () => {
    const c = byName(
      podmanHostChecks(
        parsePodmanInfo(info(true, 'vfs')),
        files({ '/etc/subuid': 'other:100000:65536\n', '/etc/subgid': 'dev:100000:1000\n' }, []),
        user,
      ),
    );
    expect(c.storage).toMatchObject({ status: 'warn', fix: expect.stringContaining('fuse-overlayfs') });
    expect(c.subuids).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('gives dev 0'),
      fix: 'sudo usermod --add-subuids 100000-165535 dev, then podman system migrate',
    });
    expect(c.subgids).toMatchObject({ status: 'fail', detail: expect.stringContaining('gives dev 1000') });
    expect(c['/dev/net/tun']).toMatchObject({
      status: 'fail',
      fix: 'sudo chmod 0666 /dev/net/tun (a desktop has it so)',
    });
    expect(c['/dev/fuse']).toMatchObject({ status: 'warn' });
  });
});
