import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { ensurePrivateHome } from '../../servers/shared/private-files.js';
import { openStateDatabase } from '../../servers/shared/state-database.js';
import { AuthService } from './auth-service.js';

/** The auth state of this machine's Optagon home, for the CLI's auth and token commands. */
export function openLocalAuth(): { auth: AuthService; close(): void } {
  const home = new OptagonHome();
  ensurePrivateHome(home);
  const db = openStateDatabase(home.database);
  return { auth: new AuthService(db, home.jwtKeyFile), close: () => db.close() };
}
