import { generateSecret, generateURI, verify } from 'otplib';
import type { SystemSettings } from '../../servers/shared/system-settings.js';

const KEY = 'auth.totp';
const STEP_SECONDS = 30;

interface Stored {
  secret: string;
  enabled: boolean;
  /** The last time step a code was accepted for: each code works once. */
  lastStep: number;
}

/**
 * TOTP (RFC 6238, otplib) as a second factor. Enabling is two steps: `begin` makes a secret and its
 * otpauth URI, `confirm` turns it on only when a code from the app checks out. A code is accepted
 * once: a second use within its window (a replay) is refused.
 */
export class Totp {
  constructor(private readonly settings: SystemSettings) {}

  enabled(): boolean {
    return this.settings.get<Stored>(KEY)?.enabled === true;
  }

  begin(label = 'optagon'): { secret: string; uri: string } {
    const secret = generateSecret();
    this.settings.set(KEY, { secret, enabled: false, lastStep: 0 } satisfies Stored);
    return { secret, uri: generateURI({ secret, label, issuer: 'Optagon' }) };
  }

  async confirm(code: string): Promise<void> {
    const stored = this.settings.get<Stored>(KEY);
    if (!stored) throw new Error('no TOTP setup under way: run optagon auth totp enable');
    if (!(await this.check(stored, code)))
      throw new Error('that code does not match; check the clock of the phone and try the next code');
  }

  /** True once per valid code; false for a wrong, old or reused one, or when TOTP is off. */
  async verify(code: string): Promise<boolean> {
    const stored = this.settings.get<Stored>(KEY);
    return !!stored?.enabled && (await this.check(stored, code));
  }

  disable(): void {
    this.settings.set(KEY, { secret: '', enabled: false, lastStep: 0 } satisfies Stored);
  }

  private async check(stored: Stored, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    // One step either side, for clocks a little apart; the time is fixed first, so the step the
    // code matched is known exactly.
    const epoch = Math.floor(Date.now() / 1000);
    const r = await verify({ secret: stored.secret, token: code, epoch, epochTolerance: STEP_SECONDS });
    if (!r.valid) return false;
    const step = Math.floor(epoch / STEP_SECONDS) + (r.delta ?? 0);
    if (step <= stored.lastStep) return false;
    this.settings.set(KEY, { ...stored, enabled: true, lastStep: step } satisfies Stored);
    return true;
  }
}
