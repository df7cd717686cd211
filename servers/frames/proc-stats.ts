import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { ContainerStats } from './container-runtime.js';

/** The kernel's clock ticks per second in /proc/<pid>/stat: USER_HZ, 100 on every Linux ABI Node runs on. */
const USER_HZ = 100;

interface Proc {
  pid: number;
  ppid: number;
  ticks: number;
  rssBytes: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or ')': the fields start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined; // gone meanwhile
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
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).map(readProc).filter((p): p is Proc => !!p);
  const members = new Set(all.filter((p) => p.pid === rootPid || pidNamespace(p.pid) === ns).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (members.has(p.pid) || !members.has(p.ppid)) continue;
      members.add(p.pid);
      grew = true;
    }
  }
  return all.filter((p) => members.has(p.pid));
}

/**
 * CPU and memory of a container read from /proc, for when podman gives none (rootless on cgroup v1):
 * CPU over `sampleMs` from the processes' clock ticks, memory as the sum of their resident sets
 * (pages shared between them counted once per process, so it reads high), against the host's memory.
 */
export async function procStats(rootPid: number, sampleMs = 250): Promise<ContainerStats> {
  const before = new Map(containerProcs(rootPid).map((p) => [p.pid, p.ticks]));
  const started = performance.now();
  await new Promise((r) => setTimeout(r, sampleMs));
  const now = containerProcs(rootPid);
  const seconds = (performance.now() - started) / 1000;
  // A process that started meanwhile counts from zero; one that ended is left out.
  const ticks = now.reduce((n, p) => n + Math.max(0, p.ticks - (before.get(p.pid) ?? 0)), 0);
  const memUsageBytes = now.reduce((n, p) => n + p.rssBytes, 0);
  const memLimitBytes = totalmem();
  return {
    cpuPercent: Math.round((ticks / USER_HZ / seconds) * 1000) / 10,
    memUsageBytes,
    memLimitBytes,
    memPercent: Math.round((memUsageBytes / memLimitBytes) * 1000) / 10,
    pids: now.length,
  };
}
