import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The daemon's bearer token: 32 random bytes, created on first start in a 0600 file that only the
 * user can read. Clients read the file; the token never goes on a command line, in a URL or a log.
 */
export function ensureToken(file: string): string {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600); // someone loosened it: tighten rather than leak
    return readToken(file);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return token;
}

export function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 32)
    throw new Error(`${file} does not hold a valid token; delete it and restart the daemon to make a new one`);
  return token;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * A constant-time check against one token; hashing first makes the lengths equal, so length leaks
 * nothing either. The expected side is hashed once, not per request.
 */
export function tokenChecker(expected: string): (given: string) => boolean {
  const want = sha256(expected);
  return (given) => timingSafeEqual(sha256(given), want);
}
