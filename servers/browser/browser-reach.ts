/**
 * Where the host's browser may connect. It runs on the host, where the daemon, its token-guarded
 * API and whatever else listens on loopback are one request away, and it is driven by agents and
 * by pages that agents build: so it opens the frames' published ports, and other origins only when
 * the config names them (`browser.allowed_origins`). Every connection is checked, not only the URL
 * a tool is given: redirects, subresources, fetch() and WebSockets go through the same rule (see
 * socks-guard.ts).
 */
export interface BrowserReach {
  /**
   * Where to connect when the browser asks for host:port (host as in a URL), or undefined when it
   * may not. A frame's port is dialled on the address it is published on, whatever loopback name
   * the page used, so `localhost` cannot land on another service listening on ::1.
   */
  target(host: string, port: number): string | undefined;
  /** What it may open, for error messages. */
  describe(): string;
}

export interface HostReachOptions {
  /** The host ports of the frames that run now. */
  framePorts: () => Iterable<number>;
  /** The address those ports are published on (frames.bind_address; 0.0.0.0 means 127.0.0.1 here). */
  bindAddress: string;
  /** `browser.allowed_origins`: origins (scheme://host[:port]) besides the frames' ports, or `*` for any. */
  allowedOrigins: string[];
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** A host as the browser and the SOCKS proxy name it: lower case, IPv6 without brackets. */
export const normalHost = (host: string) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1');

/** An origin's host and port; an entry that is not an http(s) origin is an error naming it. */
export function originEndpoint(origin: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(
      `browser.allowed_origins: '${origin}' is not an origin like http://127.0.0.1:5173 or https://example.com`,
    );
  }
  if (!(url.protocol in DEFAULT_PORTS) || url.pathname.replace(/\/$/, '') !== '' || url.search || url.username) {
    throw new Error(
      `browser.allowed_origins: '${origin}' is not an origin like http://127.0.0.1:5173 or https://example.com (scheme, host and port only)`,
    );
  }
  return { host: normalHost(url.hostname), port: url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol]! };
}

export function hostReach(o: HostReachOptions): BrowserReach {
  const anything = o.allowedOrigins.includes('*');
  const origins = o.allowedOrigins.filter((x) => x !== '*').map(originEndpoint);
  const bind = WILDCARD_ADDRESSES.has(normalHost(o.bindAddress)) ? '127.0.0.1' : normalHost(o.bindAddress);
  // The names a frame's URL may use: its address, and loopback's when it is published there.
  const frameHosts = new Set([bind, ...(LOOPBACK.has(bind) ? LOOPBACK : [])]);
  return {
    target(host, port) {
      const h = normalHost(host);
      if (frameHosts.has(h) && [...o.framePorts()].includes(port)) return bind;
      if (anything || origins.some((e) => e.host === h && e.port === port)) return h;
      return undefined;
    },
    describe() {
      if (anything) return 'any origin (browser.allowed_origins has *)';
      const ports = [...o.framePorts()];
      const frames = ports.length
        ? `the running frames' ports (${ports.map((p) => `http://${bind.includes(':') ? `[${bind}]` : bind}:${p}`).join(', ')})`
        : "the running frames' ports (no frame runs now)";
      return o.allowedOrigins.length
        ? `${frames} and browser.allowed_origins (${o.allowedOrigins.join(', ')})`
        : `${frames} only`;
    },
  };
}

/** Why the browser may not load `url`, or '' when it may. */
export function navigationRefusal(url: string, reach: BrowserReach): string {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol];
  if (port !== undefined && reach.target(u.hostname, port) !== undefined) return '';
  return (
    `the host's browser does not open ${u.origin}: it opens ${reach.describe()}. ` +
    'To allow another origin, add it to browser.allowed_origins in config.yaml'
  );
}
