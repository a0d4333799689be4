import { useEffect, useRef, useState } from 'react';
import { type AlertQuery, ApiError, api } from '../api/client.ts';
import type { Alert } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { Link, useRouter } from '../components/router.tsx';
import {
  Drawer,
  ErrorNotice,
  FactList,
  FilterSelect,
  openableRow,
  Panel,
  TableBox,
  TableState,
} from '../components/ui.tsx';
import { evidenceRows, featureLabel, ruleText } from '../evidence.ts';
import { featureValue } from '../format.ts';
import { type MessageKey, useI18n, valueName } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';
import { actorName, IncidentLink } from '../speak.tsx';
import { AddIncidentToCase } from './cases/AddIncidentToCase.tsx';
import { OpenCaseButton } from './cases/OpenCaseButton.tsx';

/** Loads alerts; null when the server has no alerts API yet (404). */
export async function loadAlerts(query: AlertQuery) {
  try {
    return await api.alerts(query);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

export const kindName = (t: (k: MessageKey) => string, kind: string) => valueName(t, 'alerts.kind', kind);
export const statusName = (t: (k: MessageKey) => string, status: string) => valueName(t, 'alerts.status', status);
const statuses = ['open', 'confirmed', 'dismissed'];

interface Contribution {
  name?: string;
  feature?: string;
  value?: number;
  contribution?: number;
}

/**
 * The alerts an analyst should look at first: the highest score first, then the most recently
 * raised. The server pages in this order (`sort=score`); the console keeps it within the page.
 */
export function byPriority(a: Alert, b: Alert): number {
  if (b.score !== a.score) return b.score - a.score;
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

const filtersKey = 'callshield.alerts.filters';

interface AlertFilters {
  kind?: string;
  status?: string;
  /** The number as the analyst typed it (8 701 …, +7 701 …); the server reads it. */
  msisdn?: string;
}

/** The alert filters last chosen in this tab. */
function savedFilters(): AlertFilters {
  try {
    return JSON.parse(sessionStorage.getItem(filtersKey) ?? '{}') as AlertFilters;
  } catch {
    return {};
  }
}

/** How many alerts the list loads at once (the server's largest page). */
const alertsPage = 500;

/** The page size: the address's `limit` when it is one the server takes (1–500), else the largest page. */
export function pageSizeOf(limit: string | null): number {
  const n = Number(limit);
  return limit && Number.isInteger(n) && n >= 1 && n <= alertsPage ? n : alertsPage;
}

/** The pages of a refresh, each alert once (one that moved between two requests shows where first seen). */
export function joinPages(first: Alert[], more: Alert[]): Alert[] {
  const seen = new Set(first.map((a) => a.id));
  return [...first, ...more.filter((a) => !seen.has(a.id))];
}

/**
 * Evidence as analysts read it, in the console's language: the rules that held, then each feature
 * with its weight in the score, then the other facts as labelled values (the server's English shows
 * for anything new). `omit` names facts the panel shows in a section of their own.
 */
function Evidence({ evidence, omit = [] }: { evidence: Record<string, unknown>; omit?: string[] }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const features = (Array.isArray(evidence.features) ? evidence.features : []) as Contribution[];
  const rules = (Array.isArray(evidence.rules) ? evidence.rules : []) as string[];
  const rest = evidenceRows(evidence, t, i18n, ['features', 'rules', ...omit]);
  const max = Math.max(1e-9, ...features.map((f) => Math.abs(f.contribution ?? 0)));
  return (
    <>
      {rules.length > 0 && (
        <ul style={{ margin: '0 0 12px', paddingLeft: 18 }} aria-label={t('evidence.rules')}>
          {rules.map((r) => (
            <li key={r} data-rule={r}>
              {ruleText(t, r)}
            </li>
          ))}
        </ul>
      )}
      {features.length > 0 && (
        <table aria-label={t('evidence.features')}>
          <tbody>
            {features.map((f, i) => {
              const c = f.contribution ?? 0;
              const name = f.name ?? f.feature ?? '';
              return (
                <tr key={`${name || i}`} data-feature={name}>
                  <td title={name}>{featureLabel(t, name)}</td>
                  <td className="num mono">
                    {typeof f.value === 'number' ? featureValue(i18n, name, f.value) : String(f.value ?? '')}
                  </td>
                  <td style={{ width: 140 }}>
                    <div className="bars">
                      <div className="track">
                        <div
                          className={`fill ${c > 0 ? 'block' : ''}`}
                          style={{ width: `${(Math.abs(c) / max) * 100}%` }}
                        />
                      </div>
                    </div>
                  </td>
                  <td className="num mono">
                    {c > 0 ? '+' : ''}
                    {number(c, 2)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {rest.length > 0 && <FactList facts={rest} attribute="evidence" />}
    </>
  );
}

export function AlertsPage() {
  const { t, score, dateTime } = useI18n();
  const { me } = useSession();
  // The filters live in the address (Back returns to them) and in this tab's memory (the menu's
  // link returns to them too), so triage resumes where it was after a look at a number or a case.
  const { path, navigate } = useRouter();
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  const saved = savedFilters();
  const kind = query.get('kind') ?? saved.kind ?? '';
  const status = query.get('status') ?? saved.status ?? 'open';
  const msisdn = query.get('msisdn') ?? saved.msisdn ?? '';
  const limitParam = query.get('limit');
  const pageSize = pageSizeOf(limitParam);
  const setFilter = (name: keyof AlertFilters, value: string) => {
    const chosen = { kind, status, msisdn, [name]: value };
    sessionStorage.setItem(filtersKey, JSON.stringify(chosen));
    // Chosen filters start again from the first page (the loaded depth belongs to the filters).
    const next = new URLSearchParams({ kind: chosen.kind, status: chosen.status });
    if (chosen.msisdn) next.set('msisdn', chosen.msisdn);
    if (limitParam) next.set('limit', limitParam);
    navigate(`/alerts?${next}`);
  };
  const [typedNumber, setTypedNumber] = useState(msisdn);
  useEffect(() => setTypedNumber(msisdn), [msisdn]);
  const [selected, setSelected] = useState<Alert>();
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<Error>();
  // A refusal belongs to the alert it was about: another alert opens without it.
  const selectedId = selected?.id;
  useEffect(() => {
    if (selectedId !== undefined) setFailure(undefined);
  }, [selectedId]);
  const filterKey = JSON.stringify([kind, status, msisdn, pageSize]);
  // How many pages the analyst has loaded for these filters. Each refresh (every 10 s, and after a
  // decision) reloads that many from the top with the server's cursor, so the list and its "load
  // more" cursor stay one consistent walk: a new higher-scored alert pushes the last row of a page
  // onto the next one instead of between two pages nobody reloads, where it was skipped.
  const depth = useRef({ key: filterKey, pages: 1 });
  if (depth.current.key !== filterKey) depth.current = { key: filterKey, pages: 1 };
  const { data, error, refresh } = usePoll(
    async () => {
      const query = { kind, status, msisdn: msisdn || undefined, limit: pageSize, sort: 'score' } as const;
      const first = await loadAlerts(query);
      if (!first) return first;
      let items = first.items;
      let next = first.next;
      // The depth is read at each step: a "load more" during a refresh extends that refresh too.
      for (let loaded = 1; next && depth.current.key === filterKey && loaded < depth.current.pages; loaded++) {
        const page = await loadAlerts({ ...query, cursor: next });
        if (!page) break;
        items = joinPages(items, page.items);
        next = page.next;
      }
      return { items, next };
    },
    [filterKey],
    10_000,
  );
  const [loadingMore, setLoadingMore] = useState(false);
  const next = data?.next ?? null;
  const alerts = [...(data?.items ?? [])].sort(byPriority);
  async function loadMore() {
    if (!next) return;
    setLoadingMore(true);
    depth.current = { key: filterKey, pages: depth.current.pages + 1 };
    try {
      // A failed page shows as the list's error; the next refresh tries the same depth again.
      await refresh();
    } finally {
      setLoadingMore(false);
    }
  }
  // A link to one alert (`/alerts?id=alr_…`, from a case, a list entry or a lookup) opens its panel.
  const linked = query.get('id');
  useEffect(() => {
    if (linked) api.alert(linked).then(setSelected, setFailure);
  }, [linked]);

  // Where the keyboard goes once a decided alert leaves the list: the row that takes its place.
  const refocusAt = useRef<number | null>(null);
  useEffect(() => {
    const at = refocusAt.current;
    if (at === null || data === undefined) return;
    refocusAt.current = null;
    // Only a lost focus is put back (the panel returned it to the row, which has since gone).
    if (document.activeElement && document.activeElement !== document.body) return;
    const rows = document.querySelectorAll<HTMLElement>('tr[data-alert]');
    (rows[Math.min(at, rows.length - 1)] ?? document.querySelector<HTMLElement>('.table-box'))?.focus();
  }, [data]);

  async function decide(action: 'confirm' | 'dismiss') {
    if (!selected) return;
    const decided = selected.id;
    setFailure(undefined);
    try {
      if (action === 'confirm') await api.confirmAlert(selected.id, reason);
      else await api.dismissAlert(selected.id, reason);
      // The refresh reloads every page shown: the alert shows its new status, or leaves the list.
      refocusAt.current = Math.max(
        0,
        alerts.findIndex((a) => a.id === decided),
      );
      setSelected(undefined);
      setReason('');
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  }

  // Bank incidents behind the alert get a section of their own, each linked and addable to a case.
  const listsIncidents = can.actOnAlerts(me.user.role) && Array.isArray(selected?.evidence?.incidents);

  if (data === null) return <div className="notice">{t('alerts.unavailable')}</div>;
  return (
    <>
      <Panel>
        <div className="toolbar">
          <FilterSelect
            label={t('alerts.kind')}
            name="kind"
            value={kind}
            onChange={(v) => setFilter('kind', v)}
            options={['simbox', 'fraud_caller', 'wangiri', 'anomaly'].map((k) => ({ value: k, label: kindName(t, k) }))}
          />
          <FilterSelect
            label={t('alerts.status')}
            name="status"
            value={status}
            onChange={(v) => setFilter('status', v)}
            options={statuses.map((st) => ({ value: st, label: statusName(t, st) }))}
          />
          <form
            className="toolbar"
            data-form="alert-number"
            onSubmit={(e) => {
              e.preventDefault();
              setFilter('msisdn', typedNumber.trim());
            }}
          >
            <label className="field">
              <span>{t('alerts.number')}</span>
              <input
                name="msisdn"
                type="search"
                inputMode="tel"
                autoComplete="off"
                placeholder={t('alerts.numberHint')}
                value={typedNumber}
                onChange={(e) => setTypedNumber(e.target.value)}
              />
            </label>
            <button type="submit" className="btn ghost">
              {t('common.search')}
            </button>
            {msisdn && (
              <button type="button" className="btn ghost" data-clear-number onClick={() => setFilter('msisdn', '')}>
                {t('alerts.clearNumber')}
              </button>
            )}
          </form>
        </div>
      </Panel>
      <ErrorNotice error={error} />
      <Panel flush>
        <TableBox label={t('nav.alerts')}>
          <table>
            <thead>
              <tr>
                <th className="num">{t('alerts.score')}</th>
                <th>{t('alerts.raised')}</th>
                <th>{t('alerts.operator')}</th>
                <th>{t('alerts.kind')}</th>
                <th>{t('alerts.number')}</th>
                <th>IMSI</th>
                <th>IMEI</th>
                <th>{t('alerts.status')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id} data-alert={a.id} {...openableRow(() => setSelected(a))}>
                  <td className="num mono" data-score>
                    {score(a.score)}
                  </td>
                  <td className="mono" data-raised>
                    {a.createdAt ? dateTime(a.createdAt) : ''}
                  </td>
                  <td data-operator>{a.operator ?? a.operators?.join(', ') ?? ''}</td>
                  <td>
                    <span className={`badge ${a.kind === 'simbox' ? 'block' : 'label'}`}>{kindName(t, a.kind)}</span>
                  </td>
                  <td className="mono" data-msisdn>
                    {a.msisdn}
                  </td>
                  <td className="mono">{a.imsi ?? ''}</td>
                  <td className="mono">{a.imei ?? ''}</td>
                  <td data-status={a.status}>{statusName(t, a.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={alerts.length} empty={t('alerts.none')} />
        {data && alerts.length > 0 && (
          <div className="toolbar" style={{ padding: '10px 14px' }}>
            <span className="muted" data-alerts-shown={alerts.length}>
              {t('alerts.shown')}: {alerts.length}
            </span>
            {next !== null && (
              <button
                type="button"
                className="btn ghost"
                data-load-more
                disabled={loadingMore}
                onClick={() => void loadMore()}
              >
                {t('common.more')}
              </button>
            )}
          </div>
        )}
      </Panel>
      {selected && (
        <Drawer title={`${kindName(t, selected.kind)} · ${selected.msisdn}`} onClose={() => setSelected(undefined)}>
          <dl className="kv" data-alert-summary>
            <dt>{t('alerts.score')}</dt>
            <dd className="mono" data-score>
              {score(selected.score)}
            </dd>
            <dt>{t('alerts.raised')}</dt>
            <dd data-raised>{selected.createdAt ? dateTime(selected.createdAt) : ''}</dd>
            <dt>{t('alerts.operator')}</dt>
            <dd data-operator>{selected.operator ?? selected.operators?.join(', ') ?? ''}</dd>
            <dt>{t('alerts.status')}</dt>
            <dd>{statusName(t, selected.status)}</dd>
            {selected.imsi && (
              <>
                <dt>IMSI</dt>
                <dd className="mono">{selected.imsi}</dd>
              </>
            )}
            {selected.imei && (
              <>
                <dt>IMEI</dt>
                <dd className="mono">{selected.imei}</dd>
              </>
            )}
            {selected.device && (
              <>
                <dt>{t('alerts.device')}</dt>
                <dd className="mono" data-device>
                  {selected.device}
                </dd>
              </>
            )}
            {selected.firstSeen && selected.lastSeen && (
              <>
                <dt>{t('alerts.active')}</dt>
                <dd>
                  {dateTime(selected.firstSeen)} – {dateTime(selected.lastSeen)}
                </dd>
              </>
            )}
            {selected.decidedAt && (
              <>
                <dt>{t('alerts.decided')}</dt>
                <dd data-decided>
                  {dateTime(selected.decidedAt)} · {actorName(selected.decidedBy ?? '')}
                  {selected.decisionReason ? ` · ${selected.decisionReason}` : ''}
                </dd>
              </>
            )}
            {selected.suspension && (
              <>
                <dt>{t('alerts.suspension')}</dt>
                <dd data-suspension={selected.suspension.status}>
                  {valueName(t, 'alerts.suspension', selected.suspension.status)}
                  {selected.suspension.ackedAt ? ` · ${dateTime(selected.suspension.ackedAt)}` : ''}
                  {selected.suspension.note ? ` · ${selected.suspension.note}` : ''}
                </dd>
              </>
            )}
          </dl>
          <p>
            <Link to={`/lookup/${encodeURIComponent(selected.msisdn)}`}>{t('nav.lookup')} →</Link>
          </p>
          {can.actOnAlerts(me.user.role) && <OpenCaseButton alert={selected} />}
          <h3>{t('alerts.evidence')}</h3>
          <Evidence evidence={selected.evidence ?? {}} omit={listsIncidents ? ['incidents'] : []} />
          {listsIncidents && (
            <>
              <h3>{t('nav.incidents')}</h3>
              <ul>
                {(selected.evidence.incidents as { bank: string; incidentId: string; at: string }[]).map((i) => (
                  <li key={`${i.bank}/${i.incidentId}`} data-alert-incident={`${i.bank}/${i.incidentId}`}>
                    <IncidentLink bank={i.bank} incidentId={i.incidentId}>
                      {i.bank} · {i.incidentId}
                    </IncidentLink>{' '}
                    · {dateTime(i.at)}
                    <AddIncidentToCase incident={i} />
                  </li>
                ))}
              </ul>
            </>
          )}
          {can.actOnAlerts(me.user.role) && selected.status === 'open' && (
            <div style={{ marginTop: 18, display: 'flex', flexDirection: 'column', gap: 10 }}>
              <ErrorNotice error={failure} />
              <label className="field">
                <span>{t('alerts.reason')}</span>
                <textarea name="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
              <div className="toolbar">
                <button type="button" className="btn" disabled={!reason.trim()} onClick={() => void decide('confirm')}>
                  {t('alerts.confirm')}
                </button>
                <button
                  type="button"
                  className="btn ghost"
                  disabled={!reason.trim()}
                  onClick={() => void decide('dismiss')}
                >
                  {t('alerts.dismiss')}
                </button>
              </div>
            </div>
          )}
        </Drawer>
      )}
    </>
  );
}
