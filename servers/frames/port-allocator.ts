import { readFileSync } from 'node:fs';
import type { StateStore } from './state-store.js';

export interface PortRange {
  start: number;
  end: number;
}

const LISTEN = '0A';

/**
 * TCP ports something on this host listens on, read from /proc/net/tcp{,6}. Synchronous on purpose:
 * it runs inside the SQLite write transaction that hands out a port. Off Linux it knows nothing and
 * returns an empty set; podman then reports a taken port when the frame starts.
 */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // "  sl  local_address rem_address   st ..." — local_address is HEXIP:HEXPORT, st is the state.
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== LISTEN) continue;
      const port = parseInt(fields[1]!.split(':').pop()!, 16);
      if (Number.isFinite(port)) ports.add(port);
    }
  }
  return ports;
}

/**
 * Hands out the lowest port in the range that no frame holds and nothing on the host listens on.
 * Call `pick` inside `store.immediate(...)` and insert the frame in the same transaction: the write
 * lock plus the unique index on frames.host_port make concurrent creates (threads or processes) get
 * distinct ports. A port is released when its frame's row is deleted.
 */
export class PortAllocator {
  constructor(
    private readonly store: StateStore,
    private readonly range: PortRange,
    private readonly isListening: () => Set<number> = listeningPorts,
  ) {}

  pick(): number {
    const taken = new Set(this.store.usedPorts());
    const listening = this.isListening();
    for (let port = this.range.start; port <= this.range.end; port++) {
      if (!taken.has(port) && !listening.has(port)) return port;
    }
    throw new Error(
      `no free port left in ${this.range.start}-${this.range.end} (${taken.size} held by frames); ` +
        'destroy frames you no longer need or widen frames.port_range in config.yaml',
    );
  }
}
