import type { UserRole } from '../platform/http.ts';

export const userRoles = [
  'admin',
  'supervisor',
  'analyst',
  'operator_analyst',
  'viewer',
] as const satisfies readonly UserRole[];

export const isUserRole = (s: unknown): s is UserRole => (userRoles as readonly unknown[]).includes(s);

/** A console user as the API shows it (never the password digest). */
export interface User {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  /** Set for operator analysts only: the one operator whose data they see. */
  operatorId?: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  createdBy: string;
  lastLoginAt?: string;
}
