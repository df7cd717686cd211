import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The auth and token commands as a user runs them, on a home of their own. */
describe('optagon auth and token', () => {
  const home = mkdtempSync(join(tmpdir(), 'optagon-auth-cli-'));
  const cli = (args: string[], input?: string) =>
    execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), ...args], {
      env: { OPTAGON_HOME: home, NO_COLOR: '1' },
      reject: false,
      ...(input !== undefined ? { input } : {}),
    });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('sets a password from stdin, refusing a short one', async () => {
    const short = await cli(['auth', 'set-password'], 'short\n');
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toMatch(/too short: use 12 characters/);
    const ok = await cli(['auth', 'set-password'], 'correct horse battery staple\n');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await cli(['auth', 'totp', 'enable'], '000000\n')).stderr).toMatch(
      /otpauth:\/\/totp\/Optagon:optagon\?secret=[A-Z2-7]+&issuer=Optagon[\s\S]*that code does not match/,
    );
  });

  it('creates a token shown once, lists it without its secret, and revokes it', async () => {
    const created = await cli([
      'token',
      'create',
      '--name',
      'phone',
      '--perm',
      'read,write',
      '--frames',
      'web',
      '--expires',
      '30d',
    ]);
    expect(created.exitCode, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^opt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const list = await cli(['token', 'list']);
    expect(list.stdout).toMatch(
      /^NAME\s+ID\s+PERMISSIONS\s+FRAMES\s+LAST USED\s+EXPIRES\nphone\s+[0-9a-f]{16}\s+read,write\s+web\s+-\s+\d{4}-/,
    );
    expect(list.stdout).not.toContain(token.slice(21));
    const json = JSON.parse((await cli(['--json', 'token', 'list'])).stdout);
    expect(json.tokens[0]).toMatchObject({ name: 'phone', permissions: ['read', 'write'], frames: ['web'] });
    expect((await cli(['token', 'create', '--name', 'x', '--perm', 'root'])).stderr).toMatch(
      /permissions are read, write, manage/,
    );
    expect((await cli(['token', 'revoke', 'phone'])).exitCode).toBe(0);
    expect((await cli(['token', 'revoke', 'phone'])).stderr).toMatch(/no token 'phone'/);
    expect(statSync(join(home, 'jwt.key')).mode & 0o777).toBe(0o600);
  });
});
