import { execa } from 'execa';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

/** A reviewer reads at most this much of the changes; the rest is named, not shown. */
const MAX_CHARS = 60_000;
const MAX_FILE_CHARS = 20_000;

/**
 * What changed in the workspace (the host path a frame mounts), for the quality gate: in a git
 * repository, `git status` and `git diff` of the subtask's paths plus the content of new files;
 * elsewhere, the content of the paths. The workspace is only read.
 */
export async function workspaceChanges(workspace: string, paths: string[]): Promise<string> {
  const inside = paths.map((p) => normalize(p.replace(/^\/workspace\/?/, ''))).filter((p) => p && !p.startsWith('..'));
  const git = (args: string[]) => execa('git', ['-C', workspace, ...args], { reject: false, stripFinalNewline: false });
  const inRepo = (await git(['rev-parse', '--is-inside-work-tree'])).stdout.trim() === 'true';
  const out: string[] = [];
  let newFiles = inside;
  if (inRepo) {
    const scope = ['--', ...(inside.length ? inside : ['.'])];
    const status = (await git(['status', '--porcelain', '--untracked-files=all', ...scope])).stdout;
    const diff = (await git(['diff', 'HEAD', ...scope])).stdout || (await git(['diff', ...scope])).stdout;
    out.push(`git status:\n${status || '(clean)'}`, diff ? `git diff:\n${diff}` : '');
    newFiles = status
      .split('\n')
      .filter((l) => l.startsWith('??'))
      .map((l) => l.slice(3));
  }
  for (const f of newFiles) {
    const file = join(workspace, f);
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    out.push(
      `${inRepo ? 'new file' : 'file'} ${f}:\n${text.length > MAX_FILE_CHARS ? `${text.slice(0, MAX_FILE_CHARS)}\n… (${text.length} characters in all)` : text}`,
    );
  }
  const all = out.filter(Boolean).join('\n\n');
  return all.length > MAX_CHARS
    ? `${all.slice(0, MAX_CHARS)}\n… (the changes go on for ${all.length - MAX_CHARS} more characters)`
    : all;
}
