import bcrypt from 'bcryptjs';
import type { SystemSettings } from '../../servers/shared/system-settings.js';

/** bcrypt's cost: 2^12 rounds, about a quarter of a second here, per guess. */
export const BCRYPT_COST = 12;
const MIN_LENGTH = 12;
const KEY = 'auth.password';

interface Stored {
  hash: string;
  /** Bumped on every change: sessions made with an older password end at once. */
  version: number;
}

/** The one user's password, bcrypt-hashed in the state database (bcryptjs, pure JS: no native build). */
export class Passwords {
  constructor(private readonly settings: SystemSettings) {}

  isSet(): boolean {
    return this.settings.get<Stored>(KEY) !== undefined;
  }

  version(): number {
    return this.settings.get<Stored>(KEY)?.version ?? 0;
  }

  async set(password: string): Promise<void> {
    if (password.length < MIN_LENGTH)
      throw new Error(`the password is too short: use ${MIN_LENGTH} characters or more (a passphrase is easiest)`);
    const hash = await bcrypt.hash(password, BCRYPT_COST);
    this.settings.set(KEY, { hash, version: this.version() + 1 } satisfies Stored);
  }

  /** bcrypt's compare takes the same time whatever matches; with no password set, nothing verifies. */
  async verify(password: string): Promise<boolean> {
    const stored = this.settings.get<Stored>(KEY);
    if (!stored) return false;
    return bcrypt.compare(password, stored.hash);
  }
}
