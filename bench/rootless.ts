import { execa } from 'execa';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Figure } from './report.js';

const CHILD = fileURLToPath(new URL('./rootless-child.js', import.meta.url));

/** Who the rootless figures are taken as, when the bench runs as root: OPTAGON_BENCH_ROOTLESS_USER. */
export function rootlessUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return process.env.OPTAGON_BENCH_ROOTLESS_USER || undefined;
}

/**
 * The same start and list figures as `user` under rootless podman, in this run (their podman store
 * must hold the frame image: `optagon image build` as them, or scripts/rootless-user.sh), each
 * against plain podman as that user; then rootless against rootful for the frame start itself.
 */
export async function benchRootless(user: string, rootful: Figure[]): Promise<Figure[]> {
  console.error(`measuring frame start and list as ${user} (rootless podman)…`);
  const home = (await execa('getent', ['passwd', user])).stdout.split(':')[5]!;
  const r = await execa(
    'runuser',
    ['-u', user, '--', 'env', `HOME=${home}`, `PATH=${process.env.PATH}`, process.execPath, CHILD],
    {
      reject: false,
      stderr: 'inherit',
      timeout: 1_800_000,
    },
  );
  if (r.exitCode !== 0) throw new Error(`the rootless bench as ${user} exited ${r.exitCode ?? r.signal}`);
  const figures = (JSON.parse(r.stdout) as Figure[]).map((f) => ({
    ...f,
    name: `rootless: ${f.name}`,
    peerName: `${f.peerName} as ${user}`,
  }));
  const me = userInfo().username;
  const byName = (list: Figure[], name: string) =>
    list.find((f) => f.name === name && f.peerName.startsWith('podman run -d'));
  const versus: Figure[] = [];
  for (const name of ['frame start → tmux, warm', 'frame start → tmux, first']) {
    const ours = byName(figures, `rootless: ${name}`);
    const peer = byName(rootful, name);
    if (ours && peer)
      versus.push({
        name: `${name}, rootless`,
        ours: ours.ours,
        peer: peer.ours,
        peerName: `rootful (as ${me})`,
        asOverhead: true,
      });
  }
  return [...figures, ...versus];
}
