import { StateStore } from '../../servers/frames/state-store.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { ensurePrivateHome } from '../../servers/shared/private-files.js';
import { AuthService } from './auth-service.js';

/** The auth state of this machine's Optagon home, for the CLI's auth and token commands. */
export function openLocalAuth(): { auth: AuthService; close(): void } {
  const home = new OptagonHome();
  ensurePrivateHome(home);
  const store = new StateStore(home.database);
  return { auth: new AuthService(store, home.jwtKeyFile), close: () => store.close() };
}
