import type cytoscape from 'cytoscape';
import type { ElementDefinition } from 'cytoscape';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { DateField } from '../../components/DateField.tsx';
import { KzMap } from '../../components/KzMap.tsx';
import { ErrorNotice, Panel } from '../../components/ui.tsx';
import { useSpeak } from '../../speak.tsx';
import { useCaseText } from './text.ts';
import type { GraphEdge, GraphNode, LinkGraph } from './types.ts';

const colour: Record<string, string> = {
  number: '#1f4e8c',
  imsi: '#2e8b57',
  imei: '#c62f3a',
  cell: '#6b7380',
  alert: '#b06f00',
};

/** Node types the link endpoint can start from (an alert has no neighbours of its own to fetch). */
const expandable = new Set(['number', 'imsi', 'imei', 'cell']);
/** Neighbours fetched per expansion: more would bury the picture (the notice says so). */
const EXPAND_LIMIT = 60;
/** Up to this many nodes every label shows; beyond it only start, expanded and selected ones. */
const ALL_LABELS_UP_TO = 30;

const edgeKey = (e: GraphEdge) => `${e.type}|${e.from}|${e.to}`;

/** Graphs merged: nodes keep their smallest depth, edges are unique by type and ends. */
export function mergeGraphs(a: LinkGraph, b: LinkGraph): LinkGraph {
  const nodes = new Map(a.nodes.map((n) => [n.id, n]));
  for (const n of b.nodes) {
    const old = nodes.get(n.id);
    nodes.set(n.id, old ? { ...old, depth: Math.min(old.depth, n.depth) } : n);
  }
  const edges = new Map(a.edges.map((e) => [edgeKey(e), e]));
  for (const e of b.edges) if (!edges.has(edgeKey(e))) edges.set(edgeKey(e), e);
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated: a.truncated || b.truncated };
}

/**
 * Clusters: a device (IMEI) with the SIMs seen only in it and the numbers seen only on those SIMs;
 * devices that share their busiest cell form a farm. Returns each node's parent compound.
 */
export function clusters(graph: LinkGraph): {
  parents: Map<string, string>;
  groups: { id: string; kind: 'device' | 'farm'; label: string; parent?: string }[];
} {
  const neighbours = (id: string, type: string, edgeType: string) =>
    graph.edges
      .filter((e) => e.type === edgeType && (e.from === id || e.to === id))
      .map((e) => (e.from === id ? e.to : e.from))
      .filter((other) => other.startsWith(`${type}:`));
  const parents = new Map<string, string>();
  const groups: { id: string; kind: 'device' | 'farm'; label: string; parent?: string }[] = [];
  const deviceMembers = new Map<string, string[]>();
  for (const imei of graph.nodes.filter((n) => n.type === 'imei')) {
    const group = `device:${imei.value}`;
    const members = [imei.id];
    for (const sim of neighbours(imei.id, 'imsi', 'in_device')) {
      if (neighbours(sim, 'imei', 'in_device').length !== 1) continue;
      members.push(sim);
      for (const number of neighbours(sim, 'number', 'uses_sim'))
        if (neighbours(number, 'imsi', 'uses_sim').length === 1) members.push(number);
    }
    if (members.length < 2) continue;
    for (const m of members) parents.set(m, group);
    deviceMembers.set(group, members);
    groups.push({ id: group, kind: 'device', label: imei.label });
  }
  // A farm: two or more devices whose members were seen most at the same cell.
  const byCell = new Map<string, string[]>();
  for (const [group, members] of deviceMembers) {
    const counts = new Map<string, number>();
    for (const m of members)
      for (const e of graph.edges)
        if (e.type === 'at_cell' && (e.from === m || e.to === m)) {
          const cell = e.from === m ? e.to : e.from;
          counts.set(cell, (counts.get(cell) ?? 0) + e.count);
        }
    const busiest = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
    if (busiest) byCell.set(busiest, [...(byCell.get(busiest) ?? []), group]);
  }
  for (const [cell, devices] of byCell) {
    if (devices.length < 2) continue;
    const farm = `farm:${cell}`;
    groups.push({ id: farm, kind: 'farm', label: cell.replace(/^cell:/, '') });
    for (const d of devices) {
      const g = groups.find((x) => x.id === d);
      if (g) g.parent = farm;
    }
  }
  return { parents, groups };
}

const style: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(colour)',
      label: 'data(shown)',
      'font-size': 12,
      color: '#1b1f24',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-max-width': '110px',
      'text-wrap': 'ellipsis',
      // Labels too small to read at the current zoom are not drawn at all.
      'min-zoomed-font-size': 7,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      width: 16,
      height: 16,
      'border-width': 1.5,
      'border-color': '#ffffff',
    },
  },
  { selector: 'node[?start]', style: { width: 22, height: 22, 'border-color': '#10233f', 'border-width': 2 } },
  {
    selector: ':parent',
    style: {
      shape: 'round-rectangle',
      'background-color': '#eef2f8',
      'background-opacity': 0.7,
      'border-color': '#9aa7b8',
      'border-width': 1,
      'text-valign': 'top',
      'font-size': 11,
      color: '#4a5668',
      padding: '10px',
    },
  },
  { selector: 'node[kind = "farm"]', style: { 'background-color': '#fbeeee', 'border-color': '#c62f3a' } },
  { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#10233f', label: 'data(name)' } },
  {
    selector: 'edge',
    style: { width: 'data(width)', 'line-color': 'data(colour)', 'curve-style': 'bezier', opacity: 0.8 },
  },
];

/**
 * The link graph drawn by Cytoscape.js: devices and farms as compound nodes, labels only where they
 * fit, a click on a node fetches its neighbours. Beside it, the same nodes as a list of buttons,
 * so the keyboard and screen readers reach everything the picture shows.
 */
export function GraphView({
  graph,
  expanded,
  loading,
  onExpand,
}: {
  graph: LinkGraph;
  expanded: Set<string>;
  loading?: string;
  onExpand(node: GraphNode): void;
}) {
  const { c, named, dateTime, date, number, score, language } = useCaseText();
  const { kindName } = useSpeak();
  /** What a node is called: an alert by its kind and score, anything else by its identifier. */
  const nameOf = (n: GraphNode) =>
    n.type === 'alert' && n.alert ? `${kindName(n.alert.kind)} ${score(n.alert.score)}` : n.label;
  // The drawing reads texts through a ref: a new render must not lay the graph out again.
  const nameRef = useRef(nameOf);
  nameRef.current = nameOf;
  const textRef = useRef(c);
  textRef.current = c;
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<cytoscape.Core | null>(null);
  const [selectedId, setSelectedId] = useState<string>();
  const selected = graph.nodes.find((n) => n.id === selectedId);
  const expandRef = useRef(onExpand);
  expandRef.current = onExpand;
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);
  const clustered = useMemo(() => clusters(graph), [graph]);
  const byIdRef = useRef(byId);
  byIdRef.current = byId;

  const [ready, setReady] = useState(false);
  useEffect(() => {
    // Cytoscape loads with the first graph shown, not with the console (it is most of the bundle).
    let disposed = false;
    let core: cytoscape.Core | null = null;
    void import('cytoscape').then(({ default: create }) => {
      if (disposed || !box.current) return;
      core = create({
        container: box.current,
        style,
        wheelSensitivity: 0.3,
        minZoom: 0.2,
        maxZoom: 3,
      });
      core.on('tap', 'node', (event) => {
        const id = event.target.id() as string;
        const node = byIdRef.current.get(id);
        if (!node) return;
        setSelectedId(id);
        expandRef.current(node);
      });
      cy.current = core;
      setReady(true);
    });
    return () => {
      disposed = true;
      core?.destroy();
      cy.current = null;
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new language redraws the labels (read through refs)
  useEffect(() => {
    const core = cy.current;
    if (!core || !ready) return;
    const { parents, groups } = clustered;
    const labelAll = graph.nodes.length <= ALL_LABELS_UP_TO;
    // With many start nodes (a SIM-box's hundred SIMs) only devices and alerts keep their labels.
    const labelStart = graph.nodes.filter((n) => n.depth === 0).length <= ALL_LABELS_UP_TO;
    const elements: ElementDefinition[] = [
      ...groups.map((g) => ({
        group: 'nodes' as const,
        data: {
          id: g.id,
          kind: g.kind,
          shown: `${textRef.current(g.kind)} ${g.label}`,
          ...(g.parent ? { parent: g.parent } : {}),
        },
      })),
      ...graph.nodes.map((n) => ({
        group: 'nodes' as const,
        data: {
          id: n.id,
          colour: colour[n.type] ?? '#6b7380',
          name: nameRef.current(n),
          start: n.depth === 0,
          shown:
            labelAll || (labelStart && n.depth === 0) || n.type === 'imei' || n.type === 'alert' || expanded.has(n.id)
              ? nameRef.current(n)
              : '',
          ...(parents.has(n.id) ? { parent: parents.get(n.id) } : {}),
        },
      })),
      ...graph.edges
        .filter((e) => byId.has(e.from) && byId.has(e.to))
        .map((e) => ({
          group: 'edges' as const,
          data: {
            id: edgeKey(e),
            source: e.from,
            target: e.to,
            colour: e.type === 'alerted' ? '#d98a00' : '#9aa7b8',
            width: Math.min(4, 0.8 + Math.log10(1 + e.count)),
          },
        })),
    ];
    core.batch(() => {
      core.elements().remove();
      core.add(elements);
    });
    core
      .layout({
        name: 'cose',
        animate: false,
        nodeDimensionsIncludeLabels: true,
        padding: 24,
        // Laid out in the box it is shown in, so fitting it does not shrink the labels away.
        boundingBox: { x1: 0, y1: 0, w: core.width(), h: core.height() },
        randomize: true,
        idealEdgeLength: () => 50,
        nodeRepulsion: () => 6000,
        gravity: 0.6,
        numIter: 1500,
      } as cytoscape.LayoutOptions)
      .run();
    core.fit(undefined, 24);
    box.current?.setAttribute('data-zoom', core.zoom().toFixed(2));
    // A small graph is not blown up past natural size, nor shrunk so far that labels vanish.
    if (core.zoom() > 1.4) core.zoom({ level: 1.4, renderedPosition: { x: core.width() / 2, y: core.height() / 2 } });
  }, [graph, clustered, expanded, byId, ready, language]);

  useEffect(() => {
    const core = cy.current;
    if (!core || !ready) return;
    core.nodes().unselect();
    if (selectedId) core.getElementById(selectedId).select();
  }, [selectedId, ready]);

  const types = ['number', 'imsi', 'imei', 'cell', 'alert'];
  return (
    <div className="link-graph" style={{ display: 'flex', flexWrap: 'wrap', gap: 12 }}>
      <div style={{ flex: '1 1 420px', minWidth: 0 }}>
        <div
          ref={box}
          role="img"
          aria-label={`${c('graph')}: ${number(graph.nodes.length)}`}
          data-graph-canvas
          data-devices={clustered.groups.filter((g) => g.kind === 'device').length}
          data-farms={clustered.groups.filter((g) => g.kind === 'farm').length}
          style={{ height: 520, background: '#fbfcfe', border: '1px solid #dfe5ee', borderRadius: 6 }}
        />
        <div className="toolbar" style={{ marginTop: 8, flexWrap: 'wrap' }}>
          {Object.entries(colour).map(([type, fill]) => (
            <span key={type} className="muted" style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
              <svg width="12" height="12" aria-hidden="true">
                <circle cx="6" cy="6" r="5" fill={fill} />
              </svg>
              {c(`node.${type}` as 'node.number')}
            </span>
          ))}
        </div>
      </div>
      <nav aria-label={c('graphList')} style={{ flex: '0 1 280px', minWidth: 220 }}>
        <h3 style={{ margin: '0 0 6px', fontSize: 14 }}>{c('graphList')}</h3>
        <div className="graph-list" style={{ maxHeight: 480, overflowY: 'auto' }}>
          {types.map((type) => {
            const nodes = graph.nodes.filter((n) => n.type === type);
            if (nodes.length === 0) return null;
            return (
              <section key={type}>
                <h4 style={{ margin: '8px 0 4px', fontSize: 12 }} className="muted">
                  {c(`node.${type}` as 'node.number')} ({number(nodes.length)})
                </h4>
                <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                  {nodes.map((n) => (
                    <li key={n.id} data-node={n.id}>
                      <button
                        type="button"
                        className={`btn ghost small${selectedId === n.id ? ' active' : ''}`}
                        style={{ width: '100%', justifyContent: 'flex-start', textAlign: 'left' }}
                        data-expand={n.id}
                        aria-pressed={selectedId === n.id}
                        onClick={() => {
                          setSelectedId(n.id);
                          onExpand(n);
                        }}
                      >
                        <span className="mono">{nameOf(n)}</span>
                        {expandable.has(n.type) && (
                          <span className="muted" style={{ marginLeft: 6, fontSize: 11 }}>
                            {loading === n.id ? '…' : expanded.has(n.id) ? `✓ ${c('expanded')}` : `+ ${c('expand')}`}
                          </span>
                        )}
                      </button>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      </nav>
      {selected && (
        <table className="node-detail" style={{ flex: '1 1 100%' }}>
          <tbody>
            <tr>
              <th>{c(`node.${selected.type}` as 'node.number')}</th>
              <td className="mono">{selected.value}</td>
            </tr>
            <tr>
              <th>{c('operators')}</th>
              <td>{selected.operators.join(', ') || '—'}</td>
            </tr>
            {selected.firstSeen && (
              <tr>
                <th>
                  {c('firstSeen')} / {c('lastSeen')}
                </th>
                <td>
                  {dateTime(selected.firstSeen)} — {selected.lastSeen ? dateTime(selected.lastSeen) : ''}
                </td>
              </tr>
            )}
            <tr>
              <th>{c('events')}</th>
              <td>{number(selected.events)}</td>
            </tr>
            <tr>
              <th>{c('connections')}</th>
              <td>
                {graph.edges
                  .filter((e) => e.from === selected.id || e.to === selected.id)
                  .slice(0, 12)
                  .map((e) => {
                    const other = byId.get(e.from === selected.id ? e.to : e.from);
                    return `${named('edge', e.type)} ${other ? nameOf(other) : ''} (${number(e.count)}${e.firstSeen ? ` · ${date(e.firstSeen)}` : ''})`;
                  })
                  .join('; ')}
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </div>
  );
}

/**
 * A graph with its time filter and its located cells on the map. It starts from what `load`
 * answers (`startOnly`: only the start nodes, the case's own entities) and grows on demand: a
 * node's neighbours come from the link endpoint when the analyst asks for them.
 */
export function GraphPanel({
  load,
  reloadKey,
  startOnly = false,
}: {
  load: (query: { from?: string; to?: string; depth: number; maxNodes?: number }) => Promise<LinkGraph>;
  reloadKey: string;
  startOnly?: boolean;
}) {
  const { c, number } = useCaseText();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [graph, setGraph] = useState<LinkGraph>();
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [loading, setLoading] = useState<string>();
  const [error, setError] = useState<Error>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const range = {
    from: from ? new Date(`${from}T00:00:00Z`).toISOString() : undefined,
    to: to ? new Date(`${to}T23:59:59Z`).toISOString() : undefined,
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey names what `load` loads
  useEffect(() => {
    let live = true;
    // A case's own entities can be many (a SIM-box's SIMs): room for all of them before any neighbour.
    loadRef.current({ ...range, depth: 1, ...(startOnly ? { maxNodes: 1000 } : {}) }).then(
      (g) => {
        if (!live) return;
        const start = startOnly ? g.nodes.filter((n) => n.depth === 0 || n.type === 'alert') : g.nodes;
        const ids = new Set(start.map((n) => n.id));
        setGraph({
          nodes: start,
          edges: g.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
          truncated: startOnly ? false : g.truncated,
        });
        setExpanded(startOnly ? new Set() : new Set(g.nodes.filter((n) => n.depth === 0).map((n) => n.id)));
        setError(undefined);
      },
      (e) => live && setError(e as Error),
    );
    return () => {
      live = false;
    };
  }, [from, to, reloadKey, startOnly]);

  const expand = (node: GraphNode) => {
    if (!expandable.has(node.type) || expanded.has(node.id) || loading) return;
    setLoading(node.id);
    api
      .links({ type: node.type, value: node.value, depth: 1, maxNodes: EXPAND_LIMIT, ...range })
      .then(
        (more) => {
          setGraph((old) =>
            old ? mergeGraphs(old, { ...more, nodes: more.nodes.map((n) => ({ ...n, depth: n.depth + 1 })) }) : more,
          );
          setExpanded((old) => new Set(old).add(node.id));
          setError(undefined);
        },
        (e) => setError(e as Error),
      )
      .finally(() => setLoading(undefined));
  };

  const cells = (graph?.nodes ?? []).filter((n) => n.type === 'cell' && n.location);
  return (
    <div className="grid cols-2-1">
      <Panel
        title={c('graph')}
        actions={
          <>
            <DateField
              className="field inline"
              label={c('fromDate')}
              name="graph-from"
              value={from}
              onChange={setFrom}
            />
            <DateField className="field inline" label={c('toDate')} name="graph-to" value={to} onChange={setTo} />
          </>
        }
      >
        <ErrorNotice error={error} />
        <p className="muted">{c('graphHelp')}</p>
        {graph?.truncated && <div className="notice">{c('truncated')}</div>}
        {graph && <GraphView graph={graph} expanded={expanded} loading={loading} onExpand={expand} />}
      </Panel>
      <Panel title={c('cells')}>
        {cells.length === 0 ? (
          <div className="empty">{c('noCells')}</div>
        ) : (
          <KzMap
            points={cells.map((n) => ({
              id: n.id,
              lat: n.location?.lat ?? 0,
              lon: n.location?.lon ?? 0,
              kind: 'cell',
              score: 0.4,
              label: `${n.value}${n.location?.region ? ` · ${n.location.region}` : ''} · ${number(n.events)}`,
            }))}
          />
        )}
        <ul className="cell-list">
          {cells.map((n) => (
            <li key={n.id} className="mono">
              {n.value} — {n.location?.region ?? ''} ({number(n.location?.lat ?? 0, 3)},{' '}
              {number(n.location?.lon ?? 0, 3)})
            </li>
          ))}
        </ul>
      </Panel>
    </div>
  );
}
