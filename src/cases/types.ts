/** Investigation cases: what they group, their workflow and their timeline. */

export const caseStatuses = ['new', 'investigating', 'action_requested', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

/** `incident`: a bank's incident, named `<bank>/<incidentId>` (src/banks). */
export const itemTypes = ['alert', 'number', 'imsi', 'iccid', 'imei', 'cell', 'report', 'incident'] as const;
export type ItemType = (typeof itemTypes)[number];

export const seizedKinds = ['sim_card', 'simbox', 'phone', 'other'] as const;
export type SeizedKind = (typeof seizedKinds)[number];

export interface CaseSummary {
  id: string;
  title: string;
  status: CaseStatus;
  assignee: string | null;
  externalRef: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Items of the case the reader may see. */
  items: number;
}

export interface CaseItem {
  type: ItemType;
  value: string;
  /** Whose records the item belongs to (empty: no operator's). */
  operators: string[];
  note: string | null;
  addedBy: string;
  addedAt: string;
}

export interface SeizedItem {
  id: string;
  kind: SeizedKind;
  /** ICCID of a SIM card, serial or IMEI of a device. */
  identifier: string | null;
  description: string | null;
  seizedAt: string;
  place: string;
  operators: string[];
  addedBy: string;
  addedAt: string;
}

export interface TimelineEvent {
  seq: number;
  at: string;
  actor: string;
  /** `created`, `status`, `assignee`, `external_ref`, `note`, `items_added`, `item_removed`, `seized`, `exported`… */
  kind: string;
  details: Record<string, unknown>;
}

export interface CaseDetail extends CaseSummary {
  summary: string | null;
  caseItems: CaseItem[];
  seized: SeizedItem[];
  timeline: TimelineEvent[];
  /** Items, seized items and events hidden from this reader (other operators' records). */
  hidden: number;
  /** The transitions allowed from the current status. */
  nextStatuses: CaseStatus[];
}

/**
 * How far a reader sees: national readers see every operator's part of a case; an operator
 * analyst only the items of their own operator.
 */
export type CaseScope = { operator: string | undefined };
