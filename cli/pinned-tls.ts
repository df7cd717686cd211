import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates, type PeerCertificate } from 'node:tls';

/** TLS options that trust exactly one certificate: the one the local daemon says it serves. */
export interface PinnedTls {
  /** The certificate's file, for messages. */
  file: string;
  options: { ca: string[]; checkServerIdentity(host: string, cert: PeerCertificate): Error | undefined };
}

/** The server answering is not the daemon whose certificate this client holds. */
export class PinMismatchError extends Error {}

/** A TLS failure said as what it means here: the server is not the daemon whose certificate we hold. */
export function explainTlsError(
  err: NodeJS.ErrnoException,
  tls: PinnedTls | undefined,
  url: string,
): Error | undefined {
  if (!tls || !/CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/.test(String(err.code))) return undefined;
  return new PinMismatchError(
    `the daemon at ${url} presented a certificate other than ${tls.file} (${err.code}); is another server on that port? Restart the daemon, or add --embedded`,
  );
}

/**
 * Pins the daemon's certificate (its PEM file, named in the run file): the CLI on the daemon's own
 * machine reads what the daemon serves, so no name check is needed, and a self-signed certificate
 * needs no trust store. The public roots stay for a certificate a CA issued (its chain must build).
 */
export function pinnedTls(certFile: string): PinnedTls {
  const pem = readFileSync(certFile, 'utf8');
  const pinned = new X509Certificate(pem).fingerprint256;
  return {
    file: certFile,
    options: {
      ca: [...rootCertificates, pem],
      checkServerIdentity: (host, cert) =>
        cert.fingerprint256 === pinned
          ? undefined
          : Object.assign(new Error(`the certificate of ${host} is not ${certFile}`), { code: 'ERR_TLS_CERT_PINNED' }),
    },
  };
}

/** The pinned TLS for a daemon's run-file entry, or undefined when it serves plain HTTP. */
export function daemonTls(info: { host: string; tls?: boolean; certFile?: string }): PinnedTls | undefined {
  if (!info.tls) return undefined;
  if (!info.certFile)
    throw new Error(
      `the daemon serves TLS (on ${info.host}) but its run file names no certificate (an older daemon?): restart it (optagon daemon stop; optagon daemon start), or add --embedded`,
    );
  return pinnedTls(info.certFile);
}

/**
 * A `fetch` over node:https with a pinned certificate, for the MCP SDK's transport (Node's own fetch
 * takes no CA). Streams the response body, so server-sent events flow as they come.
 */
export function pinnedFetch(tls: PinnedTls): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = request(
        url,
        { method: init.method ?? 'GET', headers, ...tls.options, signal: init.signal ?? undefined },
        (res) => {
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
          const body =
            res.statusCode === 204 || res.statusCode === 304
              ? null
              : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status: res.statusCode ?? 0, headers: responseHeaders }));
        },
      );
      req.on('error', (err) => reject(explainTlsError(err, tls, url.origin) ?? err));
      req.end(
        typeof init.body === 'string' ? init.body : init.body ? Buffer.from(init.body as ArrayBuffer) : undefined,
      );
    });
}
