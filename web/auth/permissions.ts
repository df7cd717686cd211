/** read sees; write types into terminals and starts/stops; manage creates/destroys and manages tokens. */
export const PERMISSIONS = ['read', 'write', 'manage'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who a request is: what it may do, and on which frames (all when `frames` is unset). */
export interface Principal {
  /** The access token's id, or `password` for a login with the password. */
  subject: string;
  permissions: Permission[];
  frames?: string[];
}

/** Whether the principal may do `needed` (on `frame`, when the action concerns one). */
export function allows(p: Principal, needed: Permission, frame?: string): boolean {
  if (!p.permissions.includes(needed)) return false;
  return !frame || !p.frames || p.frames.includes(frame);
}
