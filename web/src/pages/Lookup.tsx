import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { CitizenReport, Lookup } from '../api/types.ts';
import { Link, useRouter } from '../components/router.tsx';
import { ErrorNotice, Loading, Panel, TableBox, TableState } from '../components/ui.tsx';
import { type MessageKey, useI18n, valueName } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';
import { actorName, useSpeak } from '../speak.tsx';
import { kindName, statusName } from './Alerts.tsx';
import { DecisionTable } from './Decisions.tsx';
import { CitizenReports } from './reports/ReportsPage.tsx';
import { useReportText } from './reports/text.ts';

export function LookupPage({ number }: { number?: string }) {
  const { t, dateTime, score } = useI18n();
  const { listReason } = useSpeak();
  const { navigate } = useRouter();
  const [input, setInput] = useState(number ?? '');
  const [result, setResult] = useState<Lookup>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    setResult(undefined);
    setError(undefined);
    if (!number) return;
    setInput(number);
    api.lookup(number).then(setResult, setError);
  }, [number]);
  return (
    <>
      <Panel>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            if (input.trim()) navigate(`/lookup/${encodeURIComponent(input.trim())}`);
          }}
        >
          <label className="field" style={{ flex: '0 1 360px' }}>
            <span>{t('decisions.number')}</span>
            <input
              name="number"
              value={input}
              onChange={(e) => setInput(e.target.value)}
              placeholder={t('lookup.placeholder')}
            />
          </label>
          <button className="btn" type="submit">
            {t('lookup.submit')}
          </button>
          <span className="muted" style={{ fontSize: 12, alignSelf: 'center' }}>
            {t('lookup.audited')}
          </span>
        </form>
      </Panel>
      <ErrorNotice error={error} />
      {number && !result && !error && <Loading />}
      {result && (
        <>
          <div className="grid cols-2">
            <Panel
              title={
                <span className="mono" data-lookup-number>
                  {result.number}
                </span>
              }
            >
              <dl className="kv">
                <dt>{t('lookup.owner')}</dt>
                <dd data-owner>{result.ownerName ? `${result.ownerName} (${result.owner})` : '—'}</dd>
                <dt>{t('lookup.rangeOwner')}</dt>
                <dd>{result.rangeOwner ?? '—'}</dd>
                <dt>{t('lookup.ported')}</dt>
                <dd>
                  {result.ported
                    ? `${t('common.yes')} · ${result.portedAt ? dateTime(result.portedAt) : ''}`
                    : t('common.no')}
                </dd>
                <dt>{t('lookup.roaming')}</dt>
                <dd>
                  {result.roaming
                    ? `${result.roaming.visitedCountry} · ${dateTime(result.roaming.since)}${result.roaming.until ? ` → ${dateTime(result.roaming.until)}` : ''}`
                    : t('common.no')}
                </dd>
                <dt>{t('lookup.zone')}</dt>
                <dd>
                  {valueName(t, 'zone', result.zone)}
                  {result.numberType ? ` · ${valueName(t, 'numberType', result.numberType)}` : ''}
                  {result.region ? ` · ${result.region}` : ''}
                </dd>
                <dt>{t('lookup.reputation')}</dt>
                <dd>
                  <span
                    className={`badge ${result.reputation === 'high' ? 'block' : result.reputation === 'medium' ? 'label' : ''}`}
                  >
                    {valueName(t, 'reputation', result.reputation)}
                  </span>
                </dd>
              </dl>
            </Panel>
            <Panel title={t('lookup.lists')}>
              {result.lists.length === 0 ? (
                <div className="muted">{t('common.none')}</div>
              ) : (
                <TableBox label={t('lookup.lists')}>
                  <table>
                    <tbody>
                      {result.lists.map((l) => (
                        <tr key={l.list}>
                          <td>
                            <span
                              className={`badge ${l.list === 'blocklist' ? 'block' : l.list === 'allowlist' ? 'allow' : ''}`}
                            >
                              {t(`list.${l.list}` as MessageKey)}
                            </span>
                          </td>
                          <td>{listReason(l.reason)}</td>
                          <td className="muted">{actorName(l.createdBy)}</td>
                          <td className="muted">{dateTime(l.createdAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              )}
            </Panel>
          </div>
          <Panel title={`${t('lookup.alerts')} (${result.alerts.length})`}>
            {result.alerts.length === 0 ? (
              <div className="muted">{t('common.none')}</div>
            ) : (
              result.alerts.map((a) => (
                <div key={a.id}>
                  <Link to={`/alerts?id=${encodeURIComponent(a.id)}`}>{kindName(t, a.kind)}</Link> · {score(a.score)} ·{' '}
                  {statusName(t, a.status)}
                </div>
              ))
            )}
          </Panel>
          <LookupReports number={result.number} />
          <Panel title={`${t('lookup.decisions')} (${result.decisions.length})`} flush>
            <DecisionTable decisions={result.decisions} />
            <TableState data={result} count={result.decisions.length} empty={t('lookup.noDecisions')} />
          </Panel>
        </>
      )}
    </>
  );
}

/** Citizens' reports about the number, for the roles that may read them. */
function LookupReports({ number }: { number: string }) {
  const { r } = useReportText();
  const { me } = useSession();
  const allowed = can.actOnAlerts(me.user.role);
  const [reports, setReports] = useState<CitizenReport[]>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    setReports(undefined);
    if (allowed) api.reportsOfNumber(number).then((x) => setReports(x.items), setError);
  }, [number, allowed]);
  if (!allowed) return null;
  return (
    <Panel title={`${r('reportsOfNumber')}${reports ? ` (${reports.length})` : ''}`} flush>
      <ErrorNotice error={error} />
      <div data-lookup-reports>
        <CitizenReports reports={reports} />
      </div>
    </Panel>
  );
}
