import { createContext, useContext } from 'react';
import type { Me, Role } from './api/types.ts';

export const SessionContext = createContext<{ me: Me; refresh(): Promise<void> } | null>(null);

export function useSession() {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a session');
  return value;
}

/** What each role may do in the console (the server checks the same rules on every call). */
export const can = {
  seePersonalData: (r: Role) => r !== 'viewer',
  editLists: (r: Role) => r === 'admin' || r === 'supervisor' || r === 'analyst',
  actOnAlerts: (r: Role) => r === 'admin' || r === 'supervisor' || r === 'analyst',
  /** Cases: national readers, and operator analysts for their operator's part. */
  investigate: (r: Role) => r !== 'viewer',
  audit: (r: Role) => r === 'admin' || r === 'supervisor',
  admin: (r: Role) => r === 'admin',
};
