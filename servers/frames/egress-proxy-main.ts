/**
 * The egress proxy of one frame with a network allowlist, as a process of its own (started by
 * FrameEgress when the frame starts, beside whichever Optagon process started it, so it outlives
 * a CLI that exits): it listens on the frame network's gateway, lets through the listed hosts only,
 * and records each refused host as a frame event (once a minute per host). It ends by itself when
 * the frame no longer runs.
 *
 *   node egress-proxy-main.js '<json: {frameId, listen: {host, port}, allowlist, hosts, ports}>'
 */
import { openSharedState } from '../shared/shared-state.js';
import { OptagonHome } from '../shared/optagon-home.js';
import { EgressProxy } from './egress-proxy.js';
import { StateStore } from './state-store.js';

interface Args {
  frameId: string;
  listen: { host: string; port: number };
  allowlist: string[];
  hosts: Record<string, string>;
  ports: number[];
}

const REFUSAL_EVENT_EVERY_MS = 60_000;
const CHECK_FRAME_EVERY_MS = 10_000;

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const state = openSharedState(new OptagonHome());
const store = new StateStore(state.db);
const told = new Map<string, number>();
const proxy = new EgressProxy({
  allowlist: args.allowlist,
  hosts: args.hosts,
  ports: args.ports,
  onRefused(r) {
    const key = `${r.host}:${r.port}`;
    if ((told.get(key) ?? 0) > Date.now() - REFUSAL_EVENT_EVERY_MS) return;
    told.set(key, Date.now());
    try {
      store.addEvent(args.frameId, 'egress_refused', {
        host: r.host,
        port: r.port,
        why: r.reason,
      });
    } catch {
      // the frame is gone: the check below ends this process
    }
  },
});

const end = async (code: number) => {
  await proxy.close().catch(() => undefined);
  state.close();
  process.exit(code);
};
process.on('SIGTERM', () => void end(0));
process.on('SIGINT', () => void end(0));

try {
  await proxy.listen(args.listen.host, args.listen.port);
} catch (err) {
  process.stderr.write(
    `optagon egress proxy: cannot listen on ${args.listen.host}:${args.listen.port}: ${(err as Error).message}\n`,
  );
  await end(1);
}
process.stdout.write('ready\n');
setInterval(() => {
  if (store.getFrame(args.frameId)?.status !== 'running') void end(0);
}, CHECK_FRAME_EVERY_MS);
