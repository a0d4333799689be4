import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { CitizenReport, ReportQueueItem } from '../../api/types.ts';
import { usePoll } from '../../components/hooks.ts';
import { Link, useRouter } from '../../components/router.tsx';
import { Drawer, ErrorNotice, openableRow, Panel, TableBox, TableState } from '../../components/ui.tsx';
import { valueName } from '../../i18n.tsx';
import { can, useSession } from '../../session.tsx';
import { actorName } from '../../speak.tsx';
import { useReportText } from './text.ts';

const riskClass = (risk: string) => (risk === 'high' ? 'block' : risk === 'medium' ? 'label' : '');

/** A number's risk as a badge, in words. */
export function RiskBadge({ risk }: { risk: string }) {
  const { t } = useReportText();
  return <span className={`badge ${riskClass(risk)}`}>{valueName(t, 'reputation', risk)}</span>;
}

/** The reports about one number, newest first: what citizens said, how, and what became of it. */
export function CitizenReports({ reports }: { reports: CitizenReport[] | undefined }) {
  const { r, named, dateTime } = useReportText();
  return (
    <>
      <TableBox label={r('reportsOfNumber')} maxHeight={360}>
        <table>
          <thead>
            <tr>
              <th>{r('when')}</th>
              <th>{r('categories')}</th>
              <th>{r('text')}</th>
              <th>{r('status')}</th>
              <th>{r('reportId')}</th>
            </tr>
          </thead>
          <tbody>
            {(reports ?? []).map((x) => (
              <tr key={x.id} data-report={x.id}>
                <td className="muted">{dateTime(x.at)}</td>
                <td>
                  {named('category', x.category)} · {named('channel', x.channel)}
                  <div className="muted">{named('verified', x.verified ? 'yes' : 'no')}</div>
                </td>
                <td>
                  {x.text ?? ''}
                  {x.url && <div className="mono muted">{x.url}</div>}
                </td>
                <td>
                  {named('status', x.status)}
                  {x.decidedBy && <div className="muted">{actorName(x.decidedBy)}</div>}
                </td>
                <td className="mono muted">{x.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
      <TableState data={reports} count={reports?.length ?? 0} empty={r('noReports')} />
    </>
  );
}

/** One reported number: its reports and the analyst's triage (confirm, block, reject, open a case). */
function Triage({ item, onDone }: { item: ReportQueueItem; onDone(): void }) {
  const { r } = useReportText();
  const { me } = useSession();
  const { navigate } = useRouter();
  const number = item.number ?? '';
  const { data, error } = usePoll(() => api.reportsOfNumber(number), [number]);
  const [reason, setReason] = useState('');
  const [block, setBlock] = useState(false);
  const [failure, setFailure] = useState<Error>();
  const decide = (decision: 'confirm' | 'reject') =>
    void api
      .decideReports(number, decision, { reason: reason.trim(), ...(decision === 'confirm' ? { block } : {}) })
      .then(onDone, setFailure);
  const writer = can.actOnAlerts(me.user.role);
  return (
    <>
      <p>
        <RiskBadge risk={item.risk} /> · <Link to={`/lookup/${encodeURIComponent(number)}`}>{r('lookup')}</Link>
      </p>
      <ErrorNotice error={error ?? failure} />
      <CitizenReports reports={data?.items} />
      {writer && (
        <form
          style={{ marginTop: 12 }}
          onSubmit={(e) => {
            e.preventDefault();
            decide('confirm');
          }}
        >
          <label className="field">
            <span>{r('reason')}</span>
            <input name="triage-reason" value={reason} onChange={(e) => setReason(e.target.value)} required />
          </label>
          <label className="muted" style={{ display: 'block', margin: '8px 0' }}>
            <input type="checkbox" name="triage-block" checked={block} onChange={(e) => setBlock(e.target.checked)} />{' '}
            {r('block')}
          </label>
          <div className="toolbar" style={{ flexWrap: 'wrap' }}>
            <button type="submit" className="btn" data-triage="confirm" disabled={!reason.trim()}>
              {r('confirm')}
            </button>
            <button
              type="button"
              className="btn ghost"
              data-triage="reject"
              disabled={!reason.trim()}
              onClick={() => decide('reject')}
            >
              {r('reject')}
            </button>
            <button
              type="button"
              className="btn ghost"
              data-triage="case"
              onClick={() =>
                void api
                  .createCase({ title: number, from: { number } })
                  .then((created) => navigate(`/cases/${created.id}`), setFailure)
              }
            >
              {r('openCase')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}

/** The analysts' queue of citizens' reports, grouped by number, most reporters first. */
export function ReportsPage() {
  const { r, named, dateTime, number: count } = useReportText();
  const { data, error, refresh } = usePoll(() => api.reportQueue({ limit: 200 }), []);
  const [selected, setSelected] = useState<ReportQueueItem>();
  const items = (data?.items ?? []).filter((i) => i.number);
  return (
    <>
      <Panel title={r('title')} flush>
        <p className="muted" style={{ padding: '0 12px' }}>
          {r('queue')}
        </p>
        <ErrorNotice error={error} />
        <TableBox label={r('title')}>
          <table data-report-queue>
            <thead>
              <tr>
                <th>{r('number')}</th>
                <th className="num">{r('reports')}</th>
                <th className="num">{r('reporters')}</th>
                <th className="num">{r('verified')}</th>
                <th>{r('categories')}</th>
                <th>{r('channels')}</th>
                <th>{r('lastAt')}</th>
                <th>{r('risk')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.number} data-queue-number={i.number} {...openableRow(() => setSelected(i))}>
                  <td className="mono">{i.number}</td>
                  <td className="num">{count(i.reports)}</td>
                  <td className="num">{count(i.reporters)}</td>
                  <td className="num">{count(i.verifiedReports)}</td>
                  <td>{i.categories.map((c) => named('category', c)).join(', ')}</td>
                  <td>{i.channels.map((c) => named('channel', c)).join(', ')}</td>
                  <td className="muted">{dateTime(i.lastAt)}</td>
                  <td>
                    <RiskBadge risk={i.risk} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={items.length} empty={r('none')} />
      </Panel>
      {selected && (
        <Drawer title={<span className="mono">{selected.number}</span>} onClose={() => setSelected(undefined)}>
          <Triage
            item={selected}
            onDone={() => {
              setSelected(undefined);
              void refresh();
            }}
          />
        </Drawer>
      )}
    </>
  );
}
