import type { ManagerResults, OptagonClient } from './optagon-client.js';

/** A reviewer reads at most this much of an agent's diff; the rest is named, not shown. */
const MAX_PATCH_BYTES = 60_000;

export type ChangedFiles = ManagerResults['agent_diff']['files'];

/**
 * What the quality gate reads of an agent with a work tree of its own: its whole diff against
 * where its branch forked (committed, uncommitted and new files), nothing of other agents' and
 * nothing the user has in /workspace.
 */
export async function agentChanges(
  client: OptagonClient,
  agent: string,
): Promise<{ text: string; files: ChangedFiles; branch: string }> {
  const d = await client.call('agent_diff', { agent, max_bytes: MAX_PATCH_BYTES });
  const stat = d.files.map((f) => `${f.path} ${f.added === null ? '(binary)' : `+${f.added} -${f.removed}`}`);
  const text = d.files.length
    ? [
        `On branch ${d.branch}, against ${d.base.slice(0, 12)}: ${d.files.length} file${d.files.length === 1 ? '' : 's'}`,
        ...stat,
        '',
        d.patch,
        d.truncated ? `… (the diff goes on for ${d.bytes - Buffer.byteLength(d.patch)} more bytes)` : '',
      ].join('\n')
    : `On branch ${d.branch}: no changes`;
  return { text, files: d.files, branch: d.branch };
}

/** What an agent is told when its accepted branch does not merge cleanly. */
export const rebaseRequest = (branch: string, into: string, files: string[]) =>
  `Your branch ${branch} no longer merges cleanly into ${into}: other accepted work changed ${files.join(', ')} too. ` +
  `In your work tree, commit what is not committed, run \`git rebase ${into}\`, resolve each conflict so both changes are kept ` +
  `where they are compatible (\`git add\` the files, then \`git rebase --continue\`), and check that the project still works.`;
