import { useState } from 'react';
import { deadlineInWords } from '../../../../src/compliance/deadline.ts';
import { api } from '../../api/client.ts';
import type { ComplianceRow } from '../../api/types.ts';
import { DateField } from '../../components/DateField.tsx';
import { usePoll } from '../../components/hooks.ts';
import { MonthField } from '../../components/MonthField.tsx';
import { ErrorNotice, Panel, TableBox } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { useComplianceText } from './text.ts';

const DAY = 86_400_000;
const ALMATY = 5 * 3_600_000;
/** The Almaty date of an instant (periods are whole days in Almaty time). */
const almatyDate = (ms: number) => new Date(ms + ALMATY).toISOString().slice(0, 10);

/** A small trend line in SVG; days without a value leave a gap. */
export function Sparkline({
  values,
  label,
  max,
  color = '#1f4e8c',
}: {
  values: (number | null)[];
  label: string;
  max?: number;
  color?: string;
}) {
  const width = 84;
  const height = 28;
  const top = Math.max(max ?? 0, ...values.map((v) => v ?? 0), 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const segments: string[] = [];
  let current = '';
  values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - (v / top) * (height - 4)).toFixed(1);
    current += `${current ? ' L' : 'M'}${x} ${y}`;
  });
  if (current) segments.push(current);
  // A value between two gaps draws no line: it shows as a dot.
  const dots = values.flatMap((v, i) =>
    v !== null && (values[i - 1] ?? null) === null && (values[i + 1] ?? null) === null
      ? [{ x: i * step, y: height - 2 - (v / top) * (height - 4) }]
      : [],
  );
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <line x1="0" y1={height - 1} x2={width} y2={height - 1} stroke="#d3dae4" strokeWidth="1" />
      {segments.map((d) => (
        <path key={d} d={d} fill="none" stroke={color} strokeWidth="1.6" strokeLinejoin="round" />
      ))}
      {dots.map((d) => (
        <circle key={`${d.x}`} cx={d.x} cy={d.y} r="2.2" fill={color} />
      ))}
    </svg>
  );
}

function percent(v: number | null, none: string): string {
  return v === null ? none : `${(v * 100).toFixed(1)} %`;
}

function Row({ row }: { row: ComplianceRow }) {
  const { c, number, dateTime } = useComplianceText();
  const s = row.suspensions;
  const r = row.verify.byRoute;
  return (
    <tr data-operator={row.operator}>
      <td>
        <div className="mono">{row.operator}</div>
        <div className="muted" style={{ fontSize: 12 }}>
          {row.name}
        </div>
      </td>
      <td className="num" data-figure="requested">
        {number(s.requested)}
      </td>
      <td className="num" data-figure="acked">
        {number(s.acked)}
      </td>
      <td className="num" data-figure="overdue">
        {s.overdue > 0 ? <span className="badge block">{number(s.overdue)}</span> : number(0)}
      </td>
      <td className="num" data-figure="lateAcks">
        {number(s.lateAcks)}
      </td>
      <td className="num" data-figure="median">
        {s.medianHoursToAck === null ? '—' : s.medianHoursToAck.toFixed(2)}
      </td>
      <td className="num" data-figure="calls">
        {number(row.verify.calls)}
      </td>
      <td className="num" data-figure="share">
        <strong title={row.verify.screenedShare === null ? c('noCalls') : undefined}>
          {percent(row.verify.screenedShare, '—')}
        </strong>
        {row.verify.calls > 0 && (
          <div className="muted" style={{ fontSize: 11 }} title={`${c('international')} / ${c('domestic')}`}>
            {percent(r.international.screenedShare, '—')} / {percent(r.domestic.screenedShare, '—')}
          </div>
        )}
      </td>
      <td>
        <Sparkline
          label={`${row.operator}: ${c('trendShare')}`}
          values={row.series.map((d) => (d.calls === 0 ? null : d.screened / d.calls))}
          max={1}
        />
      </td>
      <td className="num" data-figure="records">
        {number(row.cdr.records)}
      </td>
      <td>
        <Sparkline
          label={`${row.operator}: ${c('trendRecords')}`}
          values={row.series.map((d) => d.records)}
          color="#2e7d4f"
        />
      </td>
      <td className="muted" data-figure="lastUpload">
        {row.cdr.lastUploadAt ? dateTime(row.cdr.lastUploadAt) : c('never')}
      </td>
      <td
        className="num"
        data-figure="gaps"
        title={row.cdr.gaps.map((g) => (g.from === g.to ? g.from : `${g.from} — ${g.to}`)).join(', ')}
      >
        {number(row.cdr.daysWithoutRecords)}
      </td>
    </tr>
  );
}

function Report({ operators, own }: { operators: string[]; own: string | null }) {
  const { c, language } = useComplianceText();
  const thisMonth = almatyDate(Date.now()).slice(0, 7);
  const lastMonth = new Date(Date.now() + ALMATY);
  lastMonth.setUTCDate(0);
  const [month, setMonth] = useState(lastMonth.toISOString().slice(0, 7));
  const [operator, setOperator] = useState(own ?? '');
  const [lang, setLang] = useState<string>(language);
  const query = { month, operator: operator || undefined, lang };
  return (
    <Panel title={c('report')}>
      <div className="filters" style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <MonthField label={c('month')} name="report-month" value={month} onChange={setMonth} today={thisMonth} />
        {!own && (
          <label className="field">
            <span>{c('operator')}</span>
            <select name="report-operator" value={operator} onChange={(e) => setOperator(e.target.value)}>
              <option value="">{c('allOperators')}</option>
              {operators.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>{c('language')}</span>
          <select name="report-lang" value={lang} onChange={(e) => setLang(e.target.value)}>
            <option value="ru">Русский</option>
            <option value="kk">Қазақша</option>
            <option value="en">English</option>
          </select>
        </label>
        <a className="btn" href={api.complianceReportUrl({ ...query, format: 'pdf' })} download data-report="pdf">
          {c('downloadPdf')}
        </a>
        <a className="btn ghost" href={api.complianceReportUrl({ ...query, format: 'csv' })} download data-report="csv">
          {c('downloadCsv')}
        </a>
      </div>
      <p className="muted" style={{ fontSize: 12, marginBottom: 0 }}>
        {c('reportNote')}
      </p>
    </Panel>
  );
}

/** Operators' duties (DESIGN.md §3.1): one row per operator; an operator analyst sees its own. */
export function CompliancePage() {
  const { c, language, number, dateTime } = useComplianceText();
  const { me } = useSession();
  const own = me.user.operatorId ?? null;
  const today = almatyDate(Date.now());
  const [from, setFrom] = useState(almatyDate(Date.now() - 29 * DAY));
  const [to, setTo] = useState(today);
  const [period, setPeriod] = useState({ from, to });
  const { data, error } = usePoll(() => api.compliance(period), [period.from, period.to], 15_000);
  const rows = data?.operators ?? [];
  const overdue = rows.flatMap((r) => r.overdueRequests);
  const totalOverdue = rows.reduce((n, r) => n + r.suspensions.overdue, 0);
  return (
    <>
      <ErrorNotice error={error} />
      {totalOverdue > 0 && (
        <div className="notice error" data-overdue-notice={totalOverdue}>
          <strong>{number(totalOverdue)}</strong> {c('overdueNotice')}
        </div>
      )}
      <Panel
        title={c('period')}
        actions={
          data && (
            <span className="muted" style={{ fontSize: 12 }}>
              {c('deadlineSetting')}:{' '}
              <span data-deadline-setting={data.deadline} title={data.deadline}>
                {deadlineInWords(data.deadline, language)}
              </span>
            </span>
          )
        }
      >
        <form
          className="filters"
          style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}
          onSubmit={(e) => {
            e.preventDefault();
            setPeriod({ from, to });
          }}
        >
          <DateField label={c('from')} name="from" value={from} onChange={setFrom} />
          <DateField label={c('to')} name="to" value={to} onChange={setTo} />
          <button type="submit" className="btn">
            {c('apply')}
          </button>
          {own && <span className="muted">{c('ownRow')}</span>}
        </form>
      </Panel>
      <Panel flush>
        <TableBox label={c('coverage')}>
          <table data-compliance className="compliance duties">
            <thead>
              <tr>
                <th rowSpan={2}>{c('operator')}</th>
                <th colSpan={5}>{c('suspensions')}</th>
                <th colSpan={3}>{c('coverage')}</th>
                <th colSpan={4}>{c('cdr')}</th>
              </tr>
              <tr>
                <th className="num">{c('requested')}</th>
                <th className="num">{c('acked')}</th>
                <th className="num">{c('overdue')}</th>
                <th className="num">{c('lateAcks')}</th>
                <th className="num">{c('median')}</th>
                <th className="num">{c('calls')}</th>
                <th className="num">{c('share')}</th>
                <th>{c('trend')}</th>
                <th className="num">{c('records')}</th>
                <th>{c('trend')}</th>
                <th>{c('lastUpload')}</th>
                <th className="num">{c('gaps')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Row key={r.operator} row={r} />
              ))}
            </tbody>
          </table>
        </TableBox>
      </Panel>
      <p className="muted" style={{ fontSize: 12 }}>
        {c('coverageNote')} {c('acksNote')}
      </p>
      <Panel title={c('overdueTitle')} flush>
        {overdue.length === 0 ? (
          <div className="empty" style={{ padding: 16 }}>
            {c('noneOverdue')}
          </div>
        ) : (
          <table data-overdue>
            <thead>
              <tr>
                <th>{c('operator')}</th>
                <th>{c('msisdn')}</th>
                <th>{c('requestedAt')}</th>
                <th>{c('deadline')}</th>
                <th className="num">{c('hoursOverdue')}</th>
              </tr>
            </thead>
            <tbody>
              {overdue.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td className="mono">{r.operator}</td>
                  <td className="mono">{r.msisdn}</td>
                  <td className="muted">{dateTime(r.createdAt)}</td>
                  <td>{dateTime(r.deadline)}</td>
                  <td className="num">
                    <span className="badge block">{r.hoursOverdue.toFixed(1)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Report operators={rows.map((r) => r.operator)} own={own} />
    </>
  );
}
