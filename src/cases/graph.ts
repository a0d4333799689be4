/**
 * Link analysis: from one number, SIM (IMSI) or device (IMEI), what is connected to it through the
 * CDR relations and alerts — the SIMs a number used, the devices those SIMs sat in, the other SIMs
 * and numbers of the same devices (a SIM-box's modules, a call-centre's rotation), the cells where
 * they were and the other SIMs seen at those cells. Pure: the relation rows come from a loader.
 */
import { layoutGraph } from './layout.ts';

export const nodeTypes = ['number', 'imsi', 'imei', 'cell', 'alert'] as const;
export type NodeType = (typeof nodeTypes)[number];
export const edgeTypes = ['uses_sim', 'in_device', 'at_cell', 'alerted'] as const;
export type EdgeType = (typeof edgeTypes)[number];

export interface GraphNode {
  /** `type:value`, e.g. `imei:35693803564380`. */
  id: string;
  type: NodeType;
  value: string;
  label: string;
  /** Operators whose records show the node. */
  operators: string[];
  /** Hops from the start. */
  depth: number;
  firstSeen: string | null;
  lastSeen: string | null;
  events: number;
  /** Layout position in a 1000 × 700 box (the console and the PDF draw from it). */
  x: number;
  y: number;
  alert?: { kind: string; score: number; status: string };
}

export interface GraphEdge {
  from: string;
  to: string;
  type: EdgeType;
  firstSeen: string | null;
  lastSeen: string | null;
  count: number;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** True when the node bound stopped the walk before the depth bound. */
  truncated: boolean;
}

/** A relation row aggregated over the time filter: the identifiers seen together, by one operator. */
export interface Relation {
  operator: string;
  msisdn: string;
  imsi: string;
  imei: string;
  cell: string;
  firstSeen: number;
  lastSeen: number;
  events: number;
}

export interface AlertLink {
  id: string;
  kind: string;
  msisdn: string;
  score: number;
  status: string;
  operators: string[];
}

export interface GraphLoader {
  /** Relations touching any of the identifiers. */
  relations(ids: { numbers: string[]; imsis: string[]; imeis: string[]; cells: string[] }): Promise<Relation[]>;
  /** Alerts about any of the numbers. */
  alerts(numbers: string[]): Promise<AlertLink[]>;
}

export interface GraphQuery {
  start: { type: 'number' | 'imsi' | 'imei' | 'cell'; value: string }[];
  depth: number;
  maxNodes: number;
}

export const nodeId = (type: NodeType, value: string) => `${type}:${value}`;

const iso = (ms: number) => new Date(ms).toISOString();

/** Breadth-first walk over the relations, `depth` hops from the start, at most `maxNodes` nodes. */
export async function linkGraph(query: GraphQuery, loader: GraphLoader): Promise<Graph> {
  const nodes = new Map<
    string,
    Omit<GraphNode, 'firstSeen' | 'lastSeen' | 'operators' | 'x' | 'y'> & {
      first: number;
      last: number;
      operators: Set<string>;
    }
  >();
  const edges = new Map<
    string,
    { from: string; to: string; type: EdgeType; first: number; last: number; count: number }
  >();
  let truncated = false;

  const addNode = (type: NodeType, value: string, depth: number): boolean => {
    const id = nodeId(type, value);
    if (nodes.has(id)) return true;
    if (nodes.size >= query.maxNodes) {
      truncated = true;
      return false;
    }
    nodes.set(id, {
      id,
      type,
      value,
      label: value,
      depth,
      first: Number.POSITIVE_INFINITY,
      last: Number.NEGATIVE_INFINITY,
      events: 0,
      operators: new Set(),
    });
    return true;
  };
  const touch = (id: string, r: Relation) => {
    const n = nodes.get(id);
    if (!n) return;
    n.first = Math.min(n.first, r.firstSeen);
    n.last = Math.max(n.last, r.lastSeen);
    n.events += r.events;
    n.operators.add(r.operator);
  };
  const addEdge = (type: EdgeType, from: string, to: string, r: Relation) => {
    if (!nodes.has(from) || !nodes.has(to)) return;
    const key = `${type}|${from}|${to}`;
    const e = edges.get(key);
    if (e) {
      e.first = Math.min(e.first, r.firstSeen);
      e.last = Math.max(e.last, r.lastSeen);
      e.count += r.events;
    } else edges.set(key, { from, to, type, first: r.firstSeen, last: r.lastSeen, count: r.events });
  };

  for (const s of query.start) addNode(s.type, s.value, 0);
  // Relation rows already applied: the same row comes back when it touches several frontier nodes.
  const seenRows = new Set<string>();
  let frontier = [...nodes.values()];
  for (let depth = 1; depth <= query.depth && frontier.length > 0 && !truncated; depth++) {
    const ids = { numbers: [] as string[], imsis: [] as string[], imeis: [] as string[], cells: [] as string[] };
    for (const n of frontier) {
      if (n.type === 'number') ids.numbers.push(n.value);
      else if (n.type === 'imsi') ids.imsis.push(n.value);
      else if (n.type === 'imei') ids.imeis.push(n.value);
      else if (n.type === 'cell') ids.cells.push(n.value);
    }
    const before = new Set(nodes.keys());
    const rows = await loader.relations(ids);
    // Stable order, so that the node bound cuts the same nodes on every run.
    rows.sort((a, b) => b.events - a.events || a.msisdn.localeCompare(b.msisdn) || a.imei.localeCompare(b.imei));
    for (const r of rows) {
      const rowKey = `${r.operator}|${r.msisdn}|${r.imsi}|${r.imei}|${r.cell}`;
      if (seenRows.has(rowKey)) continue;
      seenRows.add(rowKey);
      const number = nodeId('number', r.msisdn);
      const sim = r.imsi ? nodeId('imsi', r.imsi) : null;
      const device = r.imei ? nodeId('imei', r.imei) : null;
      const cell = r.cell ? nodeId('cell', r.cell) : null;
      addNode('number', r.msisdn, depth);
      if (sim) addNode('imsi', r.imsi, depth);
      if (device) addNode('imei', r.imei, depth);
      if (cell) addNode('cell', r.cell, depth);
      for (const id of [number, sim, device, cell]) if (id) touch(id, r);
      if (sim) addEdge('uses_sim', number, sim, r);
      if (device) addEdge('in_device', sim ?? number, device, r);
      if (cell) addEdge('at_cell', sim ?? number, cell, r);
    }
    frontier = [...nodes.values()].filter((n) => !before.has(n.id));
  }

  const numbers = [...nodes.values()].filter((n) => n.type === 'number').map((n) => n.value);
  if (numbers.length > 0) {
    for (const a of await loader.alerts(numbers)) {
      const numberNode = nodes.get(nodeId('number', a.msisdn));
      if (!numberNode || !addNode('alert', a.id, numberNode.depth + 1)) continue;
      const n = nodes.get(nodeId('alert', a.id));
      if (!n) continue;
      n.label = `${a.kind} ${a.score.toFixed(2)}`;
      n.alert = { kind: a.kind, score: a.score, status: a.status };
      for (const o of a.operators) n.operators.add(o);
      edges.set(`alerted|${n.id}|${numberNode.id}`, {
        from: n.id,
        to: numberNode.id,
        type: 'alerted',
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        count: 1,
      });
    }
  }

  const finite = (ms: number) => (Number.isFinite(ms) ? iso(ms) : null);
  const nodeList = [...nodes.values()].map(({ first, last, operators, ...n }) => ({
    ...n,
    operators: [...operators].sort(),
    firstSeen: finite(first),
    lastSeen: finite(last),
    x: 0,
    y: 0,
  }));
  const edgeList = [...edges.values()].map(({ first, last, ...e }) => ({
    ...e,
    firstSeen: finite(first),
    lastSeen: finite(last),
  }));
  layoutGraph(nodeList, edgeList);
  return { nodes: nodeList, edges: edgeList, truncated };
}
