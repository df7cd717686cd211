import { execa } from 'execa';

/** The planner sees at most this many workspace paths. */
const MAX_FILES = 300;

/** The workspace's files as git knows them (tracked and new, not ignored), for the planner; none outside git. */
export async function trackedFiles(workspace: string): Promise<string[]> {
  const r = await execa('git', ['-C', workspace, 'ls-files', '--cached', '--others', '--exclude-standard'], {
    reject: false,
  });
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean).slice(0, MAX_FILES) : [];
}
