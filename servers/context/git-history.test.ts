import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContextStore } from './context-store.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { commitEpisode, readCommits } from './git-history.js';
import { extractHeuristic } from './heuristic-extractor.js';

/** The workspace's repository is the frame's to write: its config is an attacker's, as this test writes it. */
describe('readCommits on a repository the frame wrote', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a signed-looking commit with log.showSignature and gpg.program set runs nothing on the host', async () => {
    dir = mkdtempSync(join(tmpdir(), 'optagon-git-attack-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=a', '-c', 'user.email=a@b', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    writeFileSync(join(dir, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'base');
    // A commit carrying a gpgsig header: git log would hand it to gpg.program to verify.
    const commit = `tree ${git('rev-parse', 'HEAD^{tree}')}\nparent ${git('rev-parse', 'HEAD')}\nauthor a <a@b> 1700000000 +0000\ncommitter a <a@b> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\nsigned\n`;
    writeFileSync(join(dir, 'c.txt'), commit);
    git('update-ref', 'HEAD', git('hash-object', '-t', 'commit', '-w', join(dir, 'c.txt')));
    const marker = join(dir, 'pwned');
    writeFileSync(join(dir, 'evil.sh'), `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(join(dir, 'evil.sh'), 0o755);
    git('config', 'log.showSignature', 'true');
    git('config', 'gpg.program', join(dir, 'evil.sh'));
    git('config', 'core.pager', `touch ${marker}`);
    git('config', 'core.fsmonitor', join(dir, 'evil.sh'));
    // Unprotected, git runs it:
    execFileSync('git', ['-C', dir, 'log', '--format=%s'], { stdio: 'ignore' });
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);

    const commits = await readCommits(dir);
    expect(commits.map((c) => c.subject)).toEqual(['base', 'signed']);
    expect(commits[0]!.files).toEqual(['a.txt']);
    expect(existsSync(marker)).toBe(false);
  });

  it('a file moved away is a deleted file: its past work still ranks, it is not listed as likely involved', async () => {
    dir = mkdtempSync(join(tmpdir(), 'optagon-git-moves-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=a', '-c', 'user.email=a@b', ...args], { encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(dir, 'parser.ts'), 'export const parse = 1;\n');
    git('add', '.');
    git('commit', '-q', '-m', 'add the token parser');
    git('mv', 'parser.ts', 'tokens.ts');
    git('commit', '-q', '-m', 'rename the token parser module');
    writeFileSync(join(dir, 'tokens.ts'), 'export const parse = 2;\n');
    git('commit', '-q', '-am', 'token parser handles unicode');

    const commits = await readCommits(dir);
    expect(commits.map((c) => [c.subject, c.files.sort(), c.deleted])).toEqual([
      ['add the token parser', ['parser.ts'], []],
      ['rename the token parser module', ['parser.ts', 'tokens.ts'], ['parser.ts']],
      ['token parser handles unicode', ['tokens.ts'], []],
    ]);
    const backend = new EmbeddedBackend(new ContextStore(':memory:'), (e) => extractHeuristic(e));
    try {
      for (const c of commits) await backend.addEpisode('g', commitEpisode(c));
      await backend.idle();
      const found = await backend.searchEpisodes(['g'], { query: 'token parser', limit: 5 });
      expect(found.episodes).toHaveLength(3);
      expect(found.files.map((f) => f.name)).toEqual(['tokens.ts']);
    } finally {
      await backend.close();
    }
  });
});
