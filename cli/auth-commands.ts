import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { dim, printJson, table, untrusted } from './render.js';
import { fail, getOutput } from './run.js';

/** The auth domain and its local state: loaded only for these commands. */
const local = async () => (await import('../web/auth/local-auth.js')).openLocalAuth();

/** A line from the terminal without echoing it (a password), or stdin's first line when piped. */
async function secretLine(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY });
  const answer = rl.question(process.stdin.isTTY ? prompt : '');
  muted = true;
  const line = await answer;
  rl.close();
  if (process.stdin.isTTY) process.stderr.write('\n');
  return line;
}

async function line(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(prompt);
  rl.close();
  return answer.trim();
}

/** Runs `body` with the local auth state, reporting a failure the way every command does. */
async function withAuth(body: (auth: Awaited<ReturnType<typeof local>>['auth']) => Promise<void>): Promise<void> {
  const { auth, close } = await local();
  try {
    await body(auth);
  } catch (err) {
    fail((err as Error).message);
  } finally {
    close();
  }
}

export function registerAuthCommands(program: Command): void {
  const auth = program.command('auth').description('remote access: the password and its second factor (TOTP)');
  auth
    .command('set-password')
    .description('set the password for remote access (bcrypt, cost 12); asked twice, never echoed')
    .action(() =>
      withAuth(async (a) => {
        const first = await secretLine('new password: ');
        if (process.stdin.isTTY && (await secretLine('again: ')) !== first)
          throw new Error('the two passwords differ; nothing was changed');
        await a.passwords.set(first);
        process.stderr.write('password set; sessions made with the old one have ended\n');
      }),
    );
  const totp = auth.command('totp').description('a second factor from an authenticator app');
  totp
    .command('enable')
    .description('show the otpauth URI and a QR code, then ask for a code before turning it on')
    .action(() =>
      withAuth(async (a) => {
        if (!a.passwords.isSet()) throw new Error('set a password first: optagon auth set-password');
        const { uri } = a.totp.begin();
        const qr = await (await import('qrcode')).toString(uri, { type: 'terminal', small: true });
        process.stderr.write(`${qr}\n${uri}\n\nScan it (or paste the URI) in your authenticator app.\n`);
        await a.totp.confirm(await line('code from the app: '));
        process.stderr.write('TOTP is on: logins now need a code\n');
      }),
    );
  totp
    .command('disable')
    .description('turn the second factor off')
    .action(() =>
      withAuth(async (a) => {
        a.totp.disable();
        process.stderr.write('TOTP is off\n');
      }),
    );

  const token = program.command('token').description('access tokens for devices (a phone, a laptop)');
  token
    .command('create')
    .description('make a token; it is printed once, keep it')
    .requiredOption('--name <name>', 'what the token is for, e.g. phone')
    .option('--perm <perms>', 'read, write, manage (comma-separated)', 'read')
    .option('--frames <frames>', 'only these frames (comma-separated); default all')
    .option('--expires <duration>', 'e.g. 30d, 12h; default never')
    .action((opts: { name: string; perm: string; frames?: string; expires?: string }) =>
      withAuth(async (a) => {
        const { parseDuration } = await import('../web/auth/access-tokens.js');
        const { token: secret, record } = a.tokens.create({
          name: opts.name,
          permissions: opts.perm.split(',').map((p) => p.trim()) as never,
          ...(opts.frames ? { frames: opts.frames.split(',').map((f) => f.trim()) } : {}),
          ...(opts.expires ? { expiresInMs: parseDuration(opts.expires) } : {}),
        });
        if (getOutput().json) return printJson({ token: secret, record });
        console.log(secret);
        process.stderr.write(
          dim(
            `token ${record.name} (${record.permissions.join(',')}${record.frames ? ` on ${record.frames.join(',')}` : ''}); shown only now\n`,
          ),
        );
      }),
    );
  token
    .command('list')
    .description('the tokens (never their secrets)')
    .action(() =>
      withAuth(async (a) => {
        const tokens = a.tokens.list();
        if (getOutput().json) return printJson({ tokens });
        if (!tokens.length) return console.log(dim('no tokens; optagon token create --name phone --perm read'));
        const when = (t: number | null) => (t ? new Date(t).toISOString().slice(0, 16).replace('T', ' ') : '-');
        console.log(
          table(
            ['NAME', 'ID', 'PERMISSIONS', 'FRAMES', 'LAST USED', 'EXPIRES'],
            tokens.map((t) => [
              untrusted(t.name),
              untrusted(t.id),
              untrusted(t.permissions.join(',')),
              untrusted(t.frames?.join(',') ?? 'all'),
              when(t.lastUsedAt),
              when(t.expiresAt),
            ]),
          ),
        );
      }),
    );
  token
    .command('revoke <name-or-id>')
    .description('revoke a token; its sessions end at once')
    .action((ref: string) =>
      withAuth(async (a) => {
        if (!a.tokens.revoke(ref)) throw new Error(`no token '${ref}'; optagon token list shows them`);
        process.stderr.write(`revoked ${ref}\n`);
      }),
    );
}
