import type { SyncPage } from '../platform/sync.ts';
export const listNames = ['blocklist', 'allowlist', 'dno', 'protected'] as const;
export type ListName = (typeof listNames)[number];

export function isListName(value: string): value is ListName {
  return (listNames as readonly string[]).includes(value);
}

/** A list entry as the API shows it. */
export interface ListEntry {
  number: string;
  reason: string;
  source: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  /** Allowlist: the name a business registered for its outgoing numbers. */
  displayName?: string;
  version: number;
}

/** One change of a list, as carried on the list-changes stream to every screening node. */
export interface ListChange {
  list: ListName;
  version: number;
  op: 'add' | 'remove';
  number: string;
  entry?: ListEntry;
}

/** An answer of `GET /v1/lists/{list}?since=` (src/platform/sync.ts). */
export type ListSync = SyncPage<ListEntry>;
