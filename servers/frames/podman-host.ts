import { accessSync, constants, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { z } from 'zod';
import type { Check } from './check.js';

/** What `podman info` says about how this user's podman runs (the parts frames depend on). */
export interface PodmanHost {
  rootless: boolean;
  storageDriver: string;
  /** 'v1' or 'v2'. */
  cgroupVersion: string;
}

const infoSchema = z.object({
  host: z.object({ security: z.object({ rootless: z.boolean() }), cgroupVersion: z.string() }),
  store: z.object({ graphDriverName: z.string() }),
});

/** Reads `podman info --format json` (podman's own output, parsed for the fields used). */
export function parsePodmanInfo(json: string): PodmanHost {
  const info = infoSchema.parse(JSON.parse(json));
  return {
    rootless: info.host.security.rootless,
    storageDriver: info.store.graphDriverName,
    cgroupVersion: info.host.cgroupVersion,
  };
}

/** The subordinate id ranges /etc/subuid (or /etc/subgid) gives a user, by name or uid. */
export function subordinateRanges(
  text: string,
  user: { name: string; uid: number },
): Array<{ start: number; count: number }> {
  return text
    .split('\n')
    .map((line) => line.trim().split(':'))
    .filter(
      ([who, start, count]) =>
        (who === user.name || who === String(user.uid)) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? ''),
    )
    .map(([, start, count]) => ({ start: Number(start), count: Number(count) }));
}

export interface HostFiles {
  read(path: string): string | null;
  /** Whether this user may read and write the device. */
  usable(path: string): boolean;
}

export const realHostFiles: HostFiles = {
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  usable: (path) => {
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/**
 * doctor's checks of how podman runs for this user: rootless or rootful, the storage driver, the
 * cgroup version, and, rootless, the subordinate ids and devices it needs. Each says the fix.
 */
export function podmanHostChecks(
  host: PodmanHost,
  files: HostFiles = realHostFiles,
  user = { name: userInfo().username, uid: process.getuid?.() ?? 0 },
): Check[] {
  const checks: Check[] = [];
  checks.push(
    host.rootless
      ? {
          name: 'podman mode',
          status: 'ok',
          detail: `rootless as ${user.name}: a frame's root is you on the host, never root`,
        }
      : {
          name: 'podman mode',
          status: 'warn',
          detail:
            "rootful (Optagon runs as root): frames get a user namespace (see 'frame root'), but podman, the daemon and its browser run as root",
          fix: 'run Optagon as a normal user (rootless podman) unless you need root',
        },
  );

  if (host.storageDriver === 'vfs') {
    checks.push({
      name: 'storage',
      status: 'warn',
      detail: 'podman stores images with vfs: every frame start copies the whole image',
      fix: host.rootless
        ? 'sudo apt-get install fuse-overlayfs, make /dev/fuse usable (sudo chmod 0666 /dev/fuse), write ~/.config/containers/storage.conf with `[storage]` driver = "overlay" and `[storage.options.overlay]` mount_program = "/usr/bin/fuse-overlayfs", then `podman system reset` (it removes your images and containers; then optagon image build)'
        : 'use the overlay driver (driver = "overlay" in /etc/containers/storage.conf), then `podman system reset` (it removes images and containers; then optagon image build)',
    });
  } else {
    checks.push({ name: 'storage', status: 'ok', detail: `podman storage driver ${host.storageDriver}` });
  }

  const statsSource =
    host.rootless && host.cgroupVersion === 'v1'
      ? "read from /proc of the frame's processes (podman gives no stats rootless on cgroup v1)"
      : 'from podman stats';
  checks.push({
    name: 'cgroups',
    status: 'ok',
    detail: `cgroup ${host.cgroupVersion}; frame CPU and memory ${statsSource}`,
  });

  if (!host.rootless) return checks;
  for (const [file, kind] of [
    ['/etc/subuid', 'uids'],
    ['/etc/subgid', 'gids'],
  ] as const) {
    const ranges = subordinateRanges(files.read(file) ?? '', user);
    const total = ranges.reduce((n, r) => n + r.count, 0);
    checks.push(
      total >= 65536
        ? {
            name: `sub${kind}`,
            status: 'ok',
            detail: `${file}: ${ranges.map((r) => `${r.start}+${r.count}`).join(', ')}`,
          }
        : {
            name: `sub${kind}`,
            status: 'fail',
            detail: `${file} gives ${user.name} ${total} subordinate ${kind}; a frame's image needs 65536`,
            fix: `sudo usermod --add-sub${kind} 100000-165535 ${user.name}, then podman system migrate`,
          },
    );
  }
  checks.push(
    files.usable('/dev/net/tun')
      ? { name: '/dev/net/tun', status: 'ok', detail: 'usable: slirp4netns gives frames their network' }
      : {
          name: '/dev/net/tun',
          status: 'fail',
          detail:
            'not usable by you: slirp4netns cannot give frames a network ("open /dev/net/tun: Permission denied")',
          fix: 'sudo chmod 0666 /dev/net/tun (a desktop has it so)',
        },
  );
  checks.push(
    files.usable('/dev/fuse')
      ? { name: '/dev/fuse', status: 'ok', detail: 'usable: fuse-overlayfs can store images' }
      : {
          name: '/dev/fuse',
          status: 'warn',
          detail: 'not usable by you: podman falls back to vfs storage, which copies the image on every start',
          fix: 'sudo chmod 0666 /dev/fuse (a desktop has it so)',
        },
  );
  return checks;
}
