import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOf } from '../host/tool-results.js';
import { ContainerRuntime } from '../servers/frames/container-runtime.js';
import { createTestHome, waitFor, type TestHome } from './support/test-home.js';

type Got = ResultOf<'frame_get'>;
const ROOT = process.getuid?.() === 0;

/**
 * Where a frame may connect to: full, none, or an allowlist through Optagon's proxy. The servers
 * are containers on podman's default bridge of this machine (allowed.test and denied.test in the
 * frame's hosts file): no traffic leaves the machine.
 */
describe('frame network: full, none, allowlist (real podman)', () => {
  let home: TestHome;
  const servers: string[] = [];
  const ip: Record<string, string> = {};

  /** Runs curl in the frame: what the server answered, or curl's failure. */
  const curl = async (frame: string, ...args: string[]) => {
    const r = await home.services.frames.exec(home.services.store.findFrame(frame)!, [
      'curl',
      '-sS',
      '--max-time',
      '20',
      ...args,
    ]);
    return r.exitCode === 0 ? r.stdout.trim() : `curl failed: ${r.stderr.trim()}`;
  };

  beforeAll(async () => {
    home = await createTestHome(33620, 10);
    if (!ROOT) return;
    await home.ok('frame_doctor'); // the runtime flags this host needs, for the servers too
    const flags = new ContainerRuntime(home.services.config.podman).runtimeFlags();
    for (const name of ['allowed', 'denied']) {
      const container = `optagon-test-${name}-${process.pid}`;
      await execa('podman', [
        'run',
        '-d',
        '--rm',
        '--name',
        container,
        ...flags,
        '--entrypoint',
        'sh',
        home.services.config.frames.image,
        '-c',
        `mkdir -p /srv && echo 'the ${name} server' > /srv/index.html && cd /srv && exec python3 -m http.server 80`,
      ]);
      servers.push(container);
      ip[name] = (await execa('podman', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', container])).stdout.trim();
    }
  }, 300_000);
  afterAll(async () => {
    for (const c of servers) await execa('podman', ['rm', '-f', c], { reject: false });
    await home?.cleanup();
  });

  it.runIf(ROOT)(
    'full reaches a server on the host bridge; none does not, and says nothing leaves',
    async () => {
      for (const name of ['open', 'closed']) {
        await home.ok('frame_create', { name, workspace: home.workspace(name) });
        if (name === 'closed') await home.ok('frame_config_set', { frame: name, values: { network: 'none' } });
        await home.ok('frame_start', { frame: name });
      }
      const url = `http://${ip.allowed}/`;
      expect(
        await waitFor('the server', async () =>
          (await curl('open', url)) === 'the allowed server' ? true : undefined,
        ),
      ).toBe(true);
      expect(await curl('closed', url)).toMatch(/curl failed/);
      const got = (await home.ok('frame_get', { frame: 'closed' })) as Got;
      expect(got.project.network).toBe('none');
    },
    300_000,
  );

  it.runIf(ROOT)(
    'allowlist: allowed.test answers through the proxy; denied.test and direct connections do not, and the refusal is an event',
    async () => {
      await home.ok('frame_create', { name: 'listed', workspace: home.workspace('listed') });
      await home.ok('frame_config_set', {
        frame: 'listed',
        values: {
          network: { allowlist: ['allowed.test'] },
          hosts: { 'allowed.test': ip.allowed!, 'denied.test': ip.denied! },
        },
      });
      await home.ok('frame_start', { frame: 'listed' });
      expect(await curl('listed', 'http://allowed.test/')).toBe('the allowed server');
      const denied = await curl('listed', '-i', 'http://denied.test/');
      expect(denied).toMatch(/^HTTP\/1\.1 403/);
      expect(denied).toMatch(/network\.allowlist/);
      // Past the proxy, nothing: the address the proxy let through is closed to the frame itself.
      expect(await curl('listed', '--noproxy', '*', `http://${ip.allowed}/`)).toMatch(/curl failed/);
      const event = await waitFor('the egress_refused event', async () =>
        ((await home.ok('frame_get', { frame: 'listed', events: 50 })) as Got).events.find(
          (e) => e.type === 'egress_refused',
        ),
      );
      expect(event.details).toMatchObject({ host: 'denied.test', port: 80 });

      // Stopped, its proxy goes with it.
      await home.ok('frame_stop', { frame: 'listed' });
      const pids = await execa('pgrep', ['-f', 'egress-proxy-main'], { reject: false });
      const frameId = home.services.store.findFrame('listed')!.id;
      for (const pid of pids.stdout.split('\n').filter(Boolean)) {
        const cmdline = await execa('cat', [`/proc/${pid}/cmdline`], { reject: false });
        expect(cmdline.stdout).not.toContain(frameId);
      }
    },
    300_000,
  );

  it.runIf(!ROOT)('rootless, none and allowlist are refused at start, saying what they need', async () => {
    await home.ok('frame_create', { name: 'closed', workspace: home.workspace('closed') });
    await home.ok('frame_config_set', { frame: 'closed', values: { network: 'none' } });
    expect(await home.fails('frame_start', { frame: 'closed' })).toMatch(
      /network none, which needs Optagon's firewall: run Optagon as root/,
    );
  });
});
