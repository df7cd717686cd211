/** How a frame names the host from inside (podman writes it into the frame's /etc/hosts). */
export const HOST_NAMES = ['host.containers.internal', 'host.docker.internal'];
/** Environment keys that name an endpoint an agent in the frame talks to. */
const ENDPOINT_KEY = /(_BASE_URL|_API_URL|_ENDPOINT|_HOST)$/;

/**
 * The endpoints an agents' environment points at, by key (a value without a scheme is http, as
 * OLLAMA_HOST=host:11434 is): what the firewall opens on the host and an allowlist lets through.
 */
export function endpointUrls(entries: Iterable<[string, string | undefined]>): Array<{ key: string; url: URL }> {
  const found: Array<{ key: string; url: URL }> = [];
  for (const [key, value] of entries) {
    if (!ENDPOINT_KEY.test(key) || !value) continue;
    try {
      found.push({ key, url: new URL(/^[a-z]+:\/\//i.test(value) ? value : `http://${value}`) });
    } catch {
      // not a URL: no endpoint
    }
  }
  return found;
}
