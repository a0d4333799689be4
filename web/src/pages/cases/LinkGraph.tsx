import { useEffect, useRef, useState } from 'react';
import { DateField } from '../../components/DateField.tsx';
import { KzMap } from '../../components/KzMap.tsx';
import { ErrorNotice, Panel } from '../../components/ui.tsx';
import { useCaseText } from './text.ts';
import type { GraphNode, LinkGraph } from './types.ts';

const colour: Record<string, string> = {
  number: '#1f4e8c',
  imsi: '#2e8b57',
  imei: '#c62f3a',
  cell: '#8a8f98',
  alert: '#d98a00',
};

/**
 * The link graph in SVG, positioned by the server's deterministic layout (the PDF draws the same
 * picture); nodes can be dragged to untangle them, and a click shows what the node is.
 */
export function GraphView({ graph }: { graph: LinkGraph }) {
  const { c, named, dateTime, date, number } = useCaseText();
  const [positions, setPositions] = useState(() => new Map(graph.nodes.map((n) => [n.id, { x: n.x, y: n.y }])));
  const [selected, setSelected] = useState<GraphNode>();
  const dragging = useRef<string | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    setPositions(new Map(graph.nodes.map((n) => [n.id, { x: n.x, y: n.y }])));
    setSelected(undefined);
  }, [graph]);

  const toSvg = (event: { clientX: number; clientY: number }) => {
    const box = svg.current?.getBoundingClientRect();
    if (!box) return { x: 0, y: 0 };
    return { x: ((event.clientX - box.left) / box.width) * 1000, y: ((event.clientY - box.top) / box.height) * 700 };
  };
  const labelled = graph.nodes.length <= 80;
  return (
    <div className="link-graph">
      <svg
        ref={svg}
        viewBox="0 0 1000 700"
        width="100%"
        role="img"
        aria-label={c('graph')}
        style={{ background: '#fbfcfe', border: '1px solid #dfe5ee', borderRadius: 6, touchAction: 'none' }}
        onPointerMove={(e) => {
          const id = dragging.current;
          if (!id) return;
          const at = toSvg(e);
          setPositions((old) => new Map(old).set(id, at));
        }}
        onPointerUp={() => {
          dragging.current = null;
        }}
        onPointerLeave={() => {
          dragging.current = null;
        }}
      >
        {graph.edges.map((e) => {
          const a = positions.get(e.from);
          const b = positions.get(e.to);
          if (!a || !b) return null;
          return (
            <line
              key={`${e.type}|${e.from}|${e.to}`}
              x1={a.x}
              y1={a.y}
              x2={b.x}
              y2={b.y}
              stroke={e.type === 'alerted' ? '#d98a00' : '#9aa7b8'}
              strokeWidth={Math.min(4, 0.8 + Math.log10(1 + e.count))}
            >
              <title>{`${named('edge', e.type)} · ${number(e.count)}${e.firstSeen ? ` · ${date(e.firstSeen)} – ${e.lastSeen ? date(e.lastSeen) : ''}` : ''}`}</title>
            </line>
          );
        })}
        {graph.nodes.map((n) => {
          const p = positions.get(n.id) ?? n;
          const r = n.depth === 0 ? 11 : 8;
          return (
            <g
              key={n.id}
              data-node={n.id}
              transform={`translate(${p.x},${p.y})`}
              style={{ cursor: 'grab' }}
              onPointerDown={(e) => {
                dragging.current = n.id;
                (e.target as Element).setPointerCapture?.(e.pointerId);
                setSelected(n);
              }}
            >
              <circle
                r={r}
                fill={colour[n.type]}
                stroke={selected?.id === n.id ? '#10233f' : '#fff'}
                strokeWidth={selected?.id === n.id ? 3 : 1.5}
              />
              {(labelled || n.depth === 0) && (
                <text x={r + 3} y={4} fontSize="12" fill="#1b1f24">
                  {n.label}
                </text>
              )}
              <title>{`${c(`node.${n.type}` as 'node.number')} ${n.label}`}</title>
            </g>
          );
        })}
      </svg>
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
      {selected && (
        <table className="node-detail" style={{ marginTop: 8 }}>
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
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A graph with its time filter and depth, and its located cells on the map. */
export function GraphPanel({
  load,
  reloadKey,
}: {
  load: (query: { from?: string; to?: string; depth: number }) => Promise<LinkGraph>;
  reloadKey: string;
}) {
  const { c, number } = useCaseText();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [depth, setDepth] = useState(2);
  const [graph, setGraph] = useState<LinkGraph>();
  const [error, setError] = useState<Error>();
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey names what `load` loads
  useEffect(() => {
    let live = true;
    loadRef
      .current({
        from: from ? new Date(`${from}T00:00:00Z`).toISOString() : undefined,
        to: to ? new Date(`${to}T23:59:59Z`).toISOString() : undefined,
        depth,
      })
      .then(
        (g) => {
          if (!live) return;
          setGraph(g);
          setError(undefined);
        },
        (e) => live && setError(e as Error),
      );
    return () => {
      live = false;
    };
  }, [from, to, depth, reloadKey]);
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
            <label className="field inline">
              <span>{c('depth')}</span>
              <select name="graph-depth" value={depth} onChange={(e) => setDepth(Number(e.target.value))}>
                {[1, 2, 3, 4].map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
          </>
        }
      >
        <ErrorNotice error={error} />
        <p className="muted">{c('graphHint')}</p>
        {graph?.truncated && <div className="notice">{c('truncated')}</div>}
        {graph && <GraphView graph={graph} />}
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
