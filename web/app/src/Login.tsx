import { useState } from 'react';
import { login, type Session } from './session';

/** Password (+ TOTP when it is on), or a device token. `notice` says why the page is here (an ended session). */
export function Login(props: { notice?: string; onSession(s: Session): void }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const totp = String(form.get('totp') ?? '').trim();
      props.onSession(
        await login(
          mode === 'token'
            ? { token: String(form.get('token')).trim() }
            : { password: String(form.get('password')), ...(totp ? { totp } : {}) },
        ),
      );
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <h1>Optagon</h1>
      {props.notice && !error && (
        <p className="notice" role="status">
          {props.notice}
        </p>
      )}
      <div className="login-modes" role="tablist">
        <button role="tab" aria-selected={mode === 'password'} onClick={() => setMode('password')}>
          Password
        </button>
        <button role="tab" aria-selected={mode === 'token'} onClick={() => setMode('token')}>
          Device token
        </button>
      </div>
      <form onSubmit={submit}>
        {mode === 'password' ? (
          <>
            <label>
              Password <input name="password" type="password" autoComplete="current-password" required autoFocus />
            </label>
            <label>
              Code (when TOTP is on){' '}
              <input
                name="totp"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                placeholder="123456"
              />
            </label>
          </>
        ) : (
          <label>
            Token <input name="token" autoComplete="off" required placeholder="opt_…" autoFocus />
          </label>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
