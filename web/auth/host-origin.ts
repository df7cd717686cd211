/** Which Host and Origin headers the daemon answers (DNS-rebinding and cross-site protection). */
export interface HostOriginPolicy {
  /** Host header values accepted (name or name:port) besides the loopback names. */
  allowedHosts: string[];
  /** Origin header values accepted besides the daemon's own. */
  allowedOrigins: string[];
  /** Served over TLS: the daemon's own origin is https. */
  secure: boolean;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostName(host: string): string {
  // "[::1]:8443" → "[::1]", "localhost:8443" → "localhost"
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/**
 * A check of a request's Host and Origin: undefined when both are acceptable, else why not. A page
 * on evil.example that resolves to 127.0.0.1 still sends `Host: evil.example` and its own Origin.
 * The same check guards HTTP routes and WebSocket upgrades.
 */
export function hostOriginChecker(
  policy: HostOriginPolicy,
): (host: string | undefined, origin: string | undefined) => string | undefined {
  const hosts = new Set([...LOOPBACK, ...policy.allowedHosts].map((h) => h.toLowerCase()));
  return (rawHost, origin) => {
    const host = (rawHost ?? '').toLowerCase();
    if (!host || !(hosts.has(host) || hosts.has(hostName(host)))) {
      return `Host '${host}' is not allowed; add it to daemon.allowed_hosts in config.yaml if you mean it`;
    }
    if (origin === undefined || policy.allowedOrigins.includes(origin)) return undefined;
    try {
      if (new URL(origin).origin === `${policy.secure ? 'https' : 'http'}://${host}`) return undefined; // the daemon's own (scheme included)
    } catch {
      // not a URL ('null' from a sandboxed page, garbage): allowed only when listed
    }
    return `Origin '${origin}' is not allowed; add it to daemon.allowed_origins in config.yaml if you mean it`;
  };
}
