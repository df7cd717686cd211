import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { OptagonHome } from '../../servers/shared/optagon-home.js';

/** What a running daemon publishes about itself in `$OPTAGON_HOME/run/daemon.json`. */
export interface DaemonInfo {
  pid: number;
  host: string;
  port: number;
  startedAt: string;
  version: string;
  /** Served over TLS (a bind address beyond loopback, or daemon.tls.enabled). */
  tls?: boolean;
  /** The PEM file of the certificate it serves, which local clients pin. */
  certFile?: string;
}

export function writeRunFile(home: OptagonHome, info: DaemonInfo): void {
  mkdirSync(home.runDir, { recursive: true, mode: 0o700 });
  const tmp = `${home.daemonRunFile}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, home.daemonRunFile); // readers never see half a file
}

export function removeRunFile(home: OptagonHome, pid = process.pid): void {
  if (readRunFile(home)?.pid === pid) rmSync(home.daemonRunFile, { force: true });
}

export function readRunFile(home: OptagonHome): DaemonInfo | undefined {
  if (!existsSync(home.daemonRunFile)) return undefined;
  try {
    return JSON.parse(readFileSync(home.daemonRunFile, 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running daemon of this home, or undefined; a run file left by a killed daemon is ignored. */
export function findDaemon(home: OptagonHome): DaemonInfo | undefined {
  const info = readRunFile(home);
  return info && alive(info.pid) ? info : undefined;
}

export function daemonUrl(info: Pick<DaemonInfo, 'host' | 'port' | 'tls'>): string {
  const host =
    info.host === '0.0.0.0'
      ? '127.0.0.1'
      : info.host === '::'
        ? '[::1]'
        : info.host.includes(':')
          ? `[${info.host}]`
          : info.host;
  return `${info.tls ? 'https' : 'http'}://${host}:${info.port}`;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Beyond loopback the daemon serves TLS always: credentials and terminals never cross a network in clear. */
export function servesTls(host: string, tlsEnabled: boolean): boolean {
  return !LOOPBACK.has(host) || tlsEnabled;
}
