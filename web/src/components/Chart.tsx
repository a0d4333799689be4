import { useI18n } from '../i18n.tsx';

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/**
 * A small time-series chart in SVG: lines with a light fill, a nice y scale, and hour ticks on the
 * platform's clock (Almaty) with the day under the first tick of each day, whatever the browser's zone.
 */
export function TimeChart({
  times,
  series,
  label,
  height = 240,
}: {
  times: string[];
  series: Series[];
  /** What the chart shows, for screen readers. */
  label: string;
  height?: number;
}) {
  const { number, platformHourMinute, platformDayMonth } = useI18n();
  const width = 900;
  const pad = { left: 56, right: 14, top: 12, bottom: 40 };
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const n = Math.max(times.length, 2);
  const x = (i: number) => pad.left + (i / (n - 1)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const labelEvery = Math.max(1, Math.ceil(times.length / 8));
  return (
    <div>
      <div className="chart-legend">
        {series.map((s) => (
          <span key={s.name}>
            <i style={{ background: s.color }} />
            {s.name}
          </span>
        ))}
      </div>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} stroke="#e6eaf0" />
            <text x={pad.left - 8} y={y(v) + 4} textAnchor="end" fontSize="11" fill="#5d6b7e">
              {number(Math.round(v))}
            </text>
          </g>
        ))}
        {times.map((t, i) => {
          if (i % labelEvery !== 0) return null;
          const day = platformDayMonth(t);
          const newDay = i === 0 || platformDayMonth(times[i - labelEvery]) !== day;
          return (
            <g key={t} data-tick={t}>
              <text x={x(i)} y={height - 22} textAnchor="middle" fontSize="11" fill="#5d6b7e">
                {platformHourMinute(t)}
              </text>
              {newDay ? (
                <text data-day x={x(i)} y={height - 6} textAnchor="middle" fontSize="11" fill="#5d6b7e">
                  {day}
                </text>
              ) : null}
            </g>
          );
        })}
        {series.map((s) => {
          if (s.values.length === 0) return null;
          const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
          const area = `M${x(0)},${y(0)} L${points.join(' L')} L${x(s.values.length - 1)},${y(0)} Z`;
          return (
            <g key={s.name}>
              <path d={area} fill={s.color} opacity="0.08" />
              <polyline points={points.join(' ')} fill="none" stroke={s.color} strokeWidth="2" strokeLinejoin="round" />
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function niceMax(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}
