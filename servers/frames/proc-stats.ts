import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import { sleep } from '../shared/sleep.js';

/** A container's use of the machine, as `podman stats` reports it. */
export interface ContainerStats {
  cpuPercent: number;
  memUsageBytes: number;
  memLimitBytes: number;
  memPercent: number;
  pids: number;
}

/** The kernel's clock ticks per second in /proc/<pid>/stat: USER_HZ, 100 on every Linux ABI Node runs on. */
const USER_HZ = 100;

interface Proc {
  pid: number;
  ppid: number;
  ticks: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or ')': the fields start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** A process's resident set in bytes, 0 when it is gone. */
function rssBytes(pid: number): number {
  try {
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return rss ? Number(rss[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const pidNamespace = (pid: number): string | undefined => {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined; // another user's (a subordinate uid of the container), or gone
  }
};

/**
 * The container's processes: those in the pid namespace of its first process (what `podman exec`
 * starts joins it) and their descendants (processes under a subordinate uid, whose namespace this
 * user may not read).
 */
function containerProcs(rootPid: number): Proc[] {
  const ns = pidNamespace(rootPid);
  if (!ns) throw new Error(`the container's process ${rootPid} is gone; is the frame running?`);
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .map(readProc)
    .filter((p): p is Proc => !!p);
  const children = new Map<number, Proc[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const members = all.filter((p) => p.pid === rootPid || pidNamespace(p.pid) === ns);
  const seen = new Set(members.map((p) => p.pid));
  for (let i = 0; i < members.length; i++) {
    for (const child of children.get(members[i]!.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      members.push(child);
    }
  }
  return members;
}

/**
 * CPU and memory of a container read from /proc, for when podman gives none (rootless on cgroup v1):
 * CPU over `sampleMs` from the processes' clock ticks, memory as the sum of their resident sets
 * (pages shared between them counted once per process, so it reads high), against the host's memory.
 */
export async function procStats(rootPid: number, sampleMs = 250): Promise<ContainerStats> {
  const before = new Map(containerProcs(rootPid).map((p) => [p.pid, p.ticks]));
  const started = performance.now();
  await sleep(sampleMs);
  const now = containerProcs(rootPid);
  const seconds = (performance.now() - started) / 1000;
  // A process that started meanwhile counts from zero; one that ended is left out.
  const ticks = now.reduce((n, p) => n + Math.max(0, p.ticks - (before.get(p.pid) ?? 0)), 0);
  // Resident sets only of the container's processes, and only once: /proc holds the whole host's.
  const memUsageBytes = now.reduce((n, p) => n + rssBytes(p.pid), 0);
  const memLimitBytes = totalmem();
  return {
    cpuPercent: Math.round((ticks / USER_HZ / seconds) * 1000) / 10,
    memUsageBytes,
    memLimitBytes,
    memPercent: Math.round((memUsageBytes / memLimitBytes) * 1000) / 10,
    pids: now.length,
  };
}
