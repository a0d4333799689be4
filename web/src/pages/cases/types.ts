/** The cases API's shapes, as src/cases/routes.ts answers them. */
export type CaseStatus = 'new' | 'investigating' | 'action_requested' | 'closed';

export interface CaseSummary {
  id: string;
  title: string;
  status: CaseStatus;
  assignee: string | null;
  externalRef: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  items: number;
}

export interface CaseItem {
  type: string;
  value: string;
  operators: string[];
  note: string | null;
  addedBy: string;
  addedAt: string;
}

export interface SeizedItem {
  id: string;
  kind: string;
  identifier: string | null;
  description: string | null;
  seizedAt: string;
  place: string;
  operators: string[];
}

export interface TimelineEvent {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  details: Record<string, unknown>;
}

export interface CaseDetail extends CaseSummary {
  summary: string | null;
  caseItems: CaseItem[];
  seized: SeizedItem[];
  timeline: TimelineEvent[];
  hidden: number;
  nextStatuses: CaseStatus[];
}

export interface GraphNode {
  id: string;
  type: 'number' | 'imsi' | 'imei' | 'cell' | 'alert';
  value: string;
  label: string;
  operators: string[];
  depth: number;
  firstSeen: string | null;
  lastSeen: string | null;
  events: number;
  x: number;
  y: number;
  alert?: { kind: string; score: number; status: string };
  location?: { lat: number; lon: number; region: string | null };
}

export interface GraphEdge {
  from: string;
  to: string;
  type: string;
  firstSeen: string | null;
  lastSeen: string | null;
  count: number;
}

export interface LinkGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}
