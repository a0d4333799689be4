import { useI18n } from '../i18n.tsx';
import { type CityId, cityNames } from '../messages.ts';

/**
 * Kazakhstan drawn offline: an approximate border outline (lon, lat) and the regional centres,
 * projected equirectangularly at the country's mid latitude. Good enough to see where farms sit.
 */
const outline: [number, number][] = [
  [46.6, 48.5],
  [47.2, 49.2],
  [46.9, 49.9],
  [47.6, 50.4],
  [48.7, 50.6],
  [48.8, 51.0],
  [50.0, 51.6],
  [50.8, 51.6],
  [52.3, 51.8],
  [53.5, 51.4],
  [54.6, 50.9],
  [55.7, 50.6],
  [57.0, 51.0],
  [58.5, 51.1],
  [59.6, 50.5],
  [60.3, 50.8],
  [61.4, 50.8],
  [61.6, 51.3],
  [60.1, 51.9],
  [61.0, 52.5],
  [60.8, 52.9],
  [61.6, 53.4],
  [62.0, 53.9],
  [65.2, 54.6],
  [67.0, 54.8],
  [68.2, 55.0],
  [69.2, 55.4],
  [70.8, 55.3],
  [71.2, 54.1],
  [73.0, 53.9],
  [73.7, 54.1],
  [75.4, 54.0],
  [76.8, 54.3],
  [78.0, 53.2],
  [79.0, 52.6],
  [80.0, 51.3],
  [81.1, 51.2],
  [82.6, 50.8],
  [83.4, 51.0],
  [84.3, 50.2],
  [85.2, 50.0],
  [86.2, 49.5],
  [87.3, 49.1],
  [86.6, 48.6],
  [85.8, 48.4],
  [85.6, 47.1],
  [84.8, 47.0],
  [83.1, 47.2],
  [82.4, 45.5],
  [81.9, 45.3],
  [79.9, 44.9],
  [80.2, 44.2],
  [80.2, 42.9],
  [79.2, 42.8],
  [77.0, 42.95],
  [75.8, 42.9],
  [74.5, 43.2],
  [73.5, 42.5],
  [72.8, 42.8],
  [71.8, 42.8],
  [70.9, 42.3],
  [70.4, 42.0],
  [69.0, 41.4],
  [68.6, 40.7],
  [68.0, 41.1],
  [66.7, 41.1],
  [66.5, 42.0],
  [66.0, 42.0],
  [66.1, 43.0],
  [65.0, 43.7],
  [64.0, 43.6],
  [62.1, 43.5],
  [61.0, 44.4],
  [58.6, 45.6],
  [56.0, 45.0],
  [56.0, 41.3],
  [55.0, 41.3],
  [52.6, 42.1],
  [52.4, 42.6],
  [51.3, 43.2],
  [51.2, 43.7],
  [50.3, 44.3],
  [50.3, 44.9],
  [51.4, 45.3],
  [53.0, 45.3],
  [53.2, 46.3],
  [52.0, 46.8],
  [51.2, 47.1],
  [49.2, 46.4],
  [48.6, 46.8],
  [48.0, 47.8],
  [47.1, 48.3],
];

export const cities: { id: CityId; lon: number; lat: number }[] = [
  { id: 'astana', lon: 71.45, lat: 51.17 },
  { id: 'almaty', lon: 76.9, lat: 43.24 },
  { id: 'shymkent', lon: 69.6, lat: 42.32 },
  { id: 'karaganda', lon: 73.1, lat: 49.8 },
  { id: 'aktobe', lon: 57.2, lat: 50.28 },
  { id: 'atyrau', lon: 51.9, lat: 47.1 },
  { id: 'aktau', lon: 51.2, lat: 43.65 },
  { id: 'oral', lon: 51.37, lat: 51.23 },
  { id: 'kostanay', lon: 63.6, lat: 53.2 },
  { id: 'petropavl', lon: 69.15, lat: 54.87 },
  { id: 'pavlodar', lon: 76.95, lat: 52.3 },
  { id: 'oskemen', lon: 82.6, lat: 49.95 },
  { id: 'semey', lon: 80.25, lat: 50.41 },
  { id: 'kyzylorda', lon: 65.5, lat: 44.85 },
  { id: 'taraz', lon: 71.37, lat: 42.9 },
  { id: 'taldykorgan', lon: 78.37, lat: 45.0 },
];

const west = 45.5;
const north = 56;
const kx = Math.cos((48 * Math.PI) / 180);
const scale = 22;
export const project = (lon: number, lat: number): [number, number] => [
  (lon - west) * kx * scale + 10,
  (north - lat) * scale + 10,
];

export interface MapPoint {
  id: string;
  lon: number;
  lat: number;
  kind: string;
  label: string;
  score: number;
}

const kindColour: Record<string, string> = { simbox: '#c62f3a', fraud_caller: '#a35c00', wangiri: '#7a4cc2' };

export function KzMap({ points }: { points: MapPoint[] }) {
  const { t, language } = useI18n();
  const path = `M${outline
    .map(([lon, lat]) =>
      project(lon, lat)
        .map((v) => v.toFixed(1))
        .join(','),
    )
    .join(' L')} Z`;
  const [w] = project(88, 40);
  const [, h] = project(46, 40);
  return (
    <svg viewBox={`0 0 ${w + 10} ${h + 10}`} width="100%" role="img" aria-label={t('map.label')} data-map="kz">
      <defs>
        <linearGradient id="land" x1="0" x2="0" y1="0" y2="1">
          <stop offset="0" stopColor="#eef3f9" />
          <stop offset="1" stopColor="#e3ebf5" />
        </linearGradient>
      </defs>
      <path d={path} fill="url(#land)" stroke="#7f97b5" strokeWidth="1.5" strokeLinejoin="round" />
      {cities.map((c) => {
        const [x, y] = project(c.lon, c.lat);
        return (
          <g key={c.id}>
            <circle cx={x} cy={y} r={c.id === 'astana' ? 4 : 2.6} fill="#4a5f7a" />
            <text x={x + 6} y={y + 4} fontSize="11" fill="#4a5f7a">
              {cityNames[c.id][language]}
            </text>
          </g>
        );
      })}
      {points.map((p) => {
        const [x, y] = project(p.lon, p.lat);
        return (
          <g key={p.id}>
            <circle cx={x} cy={y} r={5 + p.score * 6} fill={kindColour[p.kind] ?? '#1f4e8c'} opacity="0.25" />
            <circle cx={x} cy={y} r={3.5} fill={kindColour[p.kind] ?? '#1f4e8c'} stroke="#fff" strokeWidth="1" />
            <title>{p.label}</title>
          </g>
        );
      })}
    </svg>
  );
}

/** Where an alert sits, from whatever location its evidence carries (cell coordinates). */
export function locationOf(evidence: Record<string, unknown>): { lon: number; lat: number } | null {
  const candidates: unknown[] = [
    evidence,
    evidence.location,
    evidence.cell,
    (evidence.cells as unknown[] | undefined)?.[0],
    evidence.topCell,
  ];
  for (const c of candidates) {
    if (c && typeof c === 'object') {
      const o = c as Record<string, unknown>;
      const lat = Number(o.lat ?? o.latitude);
      const lon = Number(o.lon ?? o.lng ?? o.longitude);
      if (Number.isFinite(lat) && Number.isFinite(lon) && lat > 35 && lat < 60 && lon > 40 && lon < 95)
        return { lat, lon };
    }
  }
  return null;
}
