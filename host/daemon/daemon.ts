import { serve, type ServerType } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import { daemonCertificate } from '../../web/tls/certificate.js';
import { createServices, SERVER_VERSION, type OptagonServices } from '../registry.js';
import { ContainerEvents } from '../../servers/frames/container-events.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { restrictUmask } from '../../servers/shared/private-files.js';
import { createDaemonApp } from './app.js';
import { createDaemonLogger } from './logger.js';
import { removeRunFile, servesTls, writeRunFile } from './run-file.js';
import { ensureToken } from './token.js';
import { sleep } from '../../servers/shared/sleep.js';

const DRAIN_MS = 10_000;
/** How often the daemon looks at what frames report of themselves (FrameManager.observe). */
const OBSERVE_EVERY_MS = 2_000;

export interface RunningDaemon {
  host: string;
  port: number;
  services: OptagonServices;
  shutdown(reason: string): Promise<void>;
}

/**
 * `optagon serve`: recover and reconcile every frame, follow podman events, then serve MCP and the
 * REST mirror until SIGTERM/SIGINT, which stops accepting, lets calls in flight finish (bounded)
 * and exits 0.
 */
export async function runDaemon(
  opts: { home?: OptagonHome; host?: string; port?: number } = {},
): Promise<RunningDaemon> {
  restrictUmask(); // every file the daemon makes (logs, state, keys) is its user's only
  const home = opts.home ?? new OptagonHome();
  const services = createServices(home);
  const { config } = services.frames;
  const host = opts.host ?? config.daemon.host;
  const port = opts.port ?? config.daemon.port;
  const tls = servesTls(host, config.daemon.tls.enabled);
  const certificate = tls
    ? await daemonCertificate(home.tlsDir, host, config.daemon.tls).catch(async (err: Error) => {
        await services.close();
        throw new Error(`no TLS certificate for ${host}: ${err.message}`);
      })
    : undefined;
  const log = createDaemonLogger(home);
  const token = ensureToken(home.tokenFile);

  const { frames } = services.frames;
  const recovered = await frames.recover();
  const requeued = services.context.backend.recover(); // episodes a crash left unprocessed
  const interrupted = services.manager.recover(); // tasks the previous daemon died with
  log.info(
    { recovered, requeued, interrupted },
    'frames recovered and reconciled with podman; context episodes queued again',
  );
  services.autoIngest.start();
  // Setups ending, memory kills and refused connections are told by the frames, not podman: looked at often.
  const observing = setInterval(() => {
    frames.observe().catch((err: Error) => log.warn({ err: err.message }, 'observing frames failed'));
  }, OBSERVE_EVERY_MS);
  observing.unref();

  // One podman ps per burst of events, not per event (a stop makes several).
  let pending: NodeJS.Timeout | undefined;
  const events = new ContainerEvents(
    config.podman.binary,
    (e) => {
      log.debug(e, 'container event');
      clearTimeout(pending);
      pending = setTimeout(() => {
        frames.reconcileAll().catch((err: Error) => log.warn({ err: err.message }, 'reconcile after event failed'));
      }, 50);
    },
    (message) => {
      frames.followingEvents = false; // until podman events runs again, reads ask podman themselves
      log.warn(message);
    },
    () => {
      // (Re)started: catch up on anything missed, then trust the events for reads.
      // The short delay lets podman subscribe first, so nothing falls between the two.
      setTimeout(() => {
        frames.reconcileAll().then(
          () => (frames.followingEvents = true),
          (err: Error) => log.warn({ err: err.message }, 'reconcile failed'),
        );
      }, 300).unref();
    },
  );
  events.start();
  frames.changes.on('change', (c) => log.info(c, 'frame changed'));

  const { app, sessions, gateway, inFlight } = createDaemonApp({
    services,
    token,
    allowedHosts: config.daemon.allowed_hosts,
    allowedOrigins: config.daemon.allowed_origins,
    bodyLimitBytes: config.daemon.body_limit_bytes,
    secure: tls,
    gateway: {
      connectionsPerToken: config.daemon.gateway.connections_per_token,
      idleTimeoutMs: config.daemon.gateway.idle_timeout_seconds * 1000,
      maxMessageBytes: config.daemon.gateway.max_message_bytes,
      scrollbackLines: config.daemon.gateway.scrollback_lines,
    },
  });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port,
        ...(certificate
          ? { createServer: createHttpsServer, serverOptions: { key: certificate.key, cert: certificate.cert } }
          : {}),
      },
      () => resolve(s),
    );
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is in use; is a daemon already running (optagon daemon status)? Or set daemon.port in config.yaml`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
  }).catch((err: Error) => {
    events.stop();
    void services.close();
    throw err;
  });
  server.on('upgrade', gateway.handleUpgrade);
  const actualPort = (server.address() as { port: number }).port;
  writeRunFile(home, {
    pid: process.pid,
    host,
    port: actualPort,
    startedAt: new Date().toISOString(),
    version: SERVER_VERSION,
    ...(certificate ? { tls: true, certFile: certificate.file } : {}),
  });
  log.info({ host, port: actualPort, tls: certificate?.source ?? false }, 'daemon listening');

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (closing ??= (async () => {
      log.info({ reason, inFlight: inFlight() }, 'shutting down');
      server.close(); // stop accepting; open connections finish
      const deadline = Date.now() + DRAIN_MS;
      while (inFlight() > 0 && Date.now() < deadline) await sleep(50);
      events.stop();
      clearInterval(observing);
      gateway.close(); // terminals detach; their tmux sessions go on
      await sessions.closeAll();
      removeRunFile(home);
      await services.close(); // running tasks are cancelled: their agents stop
      log.info('stopped');
      await new Promise<void>((r) => log.flush(() => r()));
    })());
  return { host, port: actualPort, services, shutdown };
}
