import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface Certificate {
  key: string;
  cert: string;
  /** Where it came from: the config's files, or one made here. */
  source: 'config' | 'self-signed';
  /** The certificate's PEM file, which local clients pin. */
  file: string;
}

/**
 * The daemon's TLS certificate: the config's `cert_path`/`key_path`, or a self-signed one (the
 * selfsigned package, RSA 2048, SHA-256) made once under `$OPTAGON_HOME/tls/` for the bind address,
 * localhost and this machine's name. Clients pin it or accept it once; Tailscale or a Cloudflare
 * Tunnel in front can present a trusted one instead.
 */
export async function daemonCertificate(
  tlsDir: string,
  bindHost: string,
  paths: { cert_path?: string; key_path?: string },
): Promise<Certificate> {
  if (paths.cert_path || paths.key_path) {
    if (!paths.cert_path || !paths.key_path)
      throw new Error('daemon.tls needs both cert_path and key_path (or neither, for a self-signed certificate)');
    return {
      cert: readFileSync(paths.cert_path, 'utf8'),
      key: readFileSync(paths.key_path, 'utf8'),
      source: 'config',
      file: paths.cert_path,
    };
  }
  const certFile = join(tlsDir, 'cert.pem');
  const keyFile = join(tlsDir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const names = [...new Set(['localhost', hostname(), bindHost].filter((h) => h && h !== '0.0.0.0' && h !== '::'))];
    const pems = await selfsigned.generate([{ name: 'commonName', value: hostname() || 'optagon' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 825 * 86_400_000),
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            ...names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
            { type: 7 as const, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, pems.private, { mode: 0o600 });
    writeFileSync(certFile, pems.cert, { mode: 0o600 });
  }
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    source: 'self-signed',
    file: certFile,
  };
}
