import { runCommand } from '../shared/run-command.js';
import { readFileSync } from 'node:fs';
import type { RuntimeSettings } from './container-runtime.js';

export interface ProbeResult {
  runtime: string;
  ulimits: { nofile: number; nproc: number };
  attempts: Array<{ flags: string; ok: boolean; error?: string }>;
}

/** The hard limits of this process; podman's children cannot be given more than these. */
export function hardLimits(): { nofile: number; nproc: number } {
  const read = (label: string, fallback: number): number => {
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(label));
      const hard = line?.slice(26).trim().split(/\s+/)[1];
      return hard && /^\d+$/.test(hard) ? parseInt(hard, 10) : fallback;
    } catch {
      return fallback;
    }
  };
  return { nofile: read('Max open files', 1024), nproc: read('Max processes', 4096) };
}

/** Largest first, never above the hard limit: we keep the biggest value that works. */
function candidates(hard: number): number[] {
  const list = [hard, 1048576, 524288, 65536, 32768, 20000, 16384, 8192, 4096, 1024].filter((n) => n <= hard);
  return [...new Set(list)];
}

/**
 * Finds an OCI runtime and ulimits this host accepts by starting tiny throwaway containers.
 * Needed because podman's defaults fail on some hosts (crun rejects hybrid cgroups; default rlimits
 * exceed the shell's hard limits) and the failure only shows when a container starts.
 */
export async function probeRuntime(binary: string, image: string): Promise<ProbeResult> {
  const attempts: ProbeResult['attempts'] = [];
  const tryRun = async (s: Required<Pick<RuntimeSettings, 'runtime' | 'ulimits'>>): Promise<boolean> => {
    const flags = [
      '--runtime',
      s.runtime,
      '--ulimit',
      `nofile=${s.ulimits.nofile}:${s.ulimits.nofile}`,
      '--ulimit',
      `nproc=${s.ulimits.nproc}:${s.ulimits.nproc}`,
    ];
    const r = await runCommand(binary, ['run', '--rm', '--network', 'none', '--entrypoint', 'true', ...flags, image], {
      timeoutMs: 60_000,
    });
    const ok = r.exitCode === 0;
    attempts.push({ flags: flags.join(' '), ok, ...(ok ? {} : { error: String(r.stderr).trim().split('\n').pop() }) });
    return ok;
  };

  const hard = hardLimits();
  const safe = { nofile: Math.min(1024, hard.nofile), nproc: Math.min(1024, hard.nproc) };
  for (const runtime of ['runc', 'crun']) {
    if (!(await tryRun({ runtime, ulimits: safe }))) continue;
    let nofile = safe.nofile;
    for (const n of candidates(hard.nofile)) {
      if (n <= nofile || (await tryRun({ runtime, ulimits: { nofile: n, nproc: safe.nproc } }))) {
        nofile = Math.max(nofile, n);
        break;
      }
    }
    let nproc = safe.nproc;
    for (const n of candidates(hard.nproc)) {
      if (n <= nproc || (await tryRun({ runtime, ulimits: { nofile, nproc: n } }))) {
        nproc = Math.max(nproc, n);
        break;
      }
    }
    return { runtime, ulimits: { nofile, nproc }, attempts };
  }
  const last = attempts.at(-1)?.error ?? 'no attempt ran';
  throw new Error(
    `no OCI runtime could start a container from ${image} (tried runc and crun; last error: ${last}). ` +
      'Install runc (sudo apt-get install runc) and check `podman run --rm ' +
      image +
      ' true` by hand.',
  );
}
