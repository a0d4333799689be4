import { useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { Alert } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { Link } from '../components/router.tsx';
import { Drawer, ErrorNotice, FilterSelect, Panel } from '../components/ui.tsx';
import { evidenceLabel, featureLabel, ruleText } from '../evidence.ts';
import { type MessageKey, useI18n, valueName } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';
import { OpenCaseButton } from './cases/OpenCaseButton.tsx';

/** Loads alerts; null when the server has no alerts API yet (404). */
export async function loadAlerts(query: { kind?: string; status?: string; cursor?: string }) {
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

/** An evidence value as text: lists joined, numbers in the language's conventions. */
function evidenceValue(value: unknown, number: (n: number) => string): string {
  if (Array.isArray(value)) return value.map((v) => evidenceValue(v, number)).join(', ');
  if (typeof value === 'number') return number(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value ?? '—');
}

/**
 * Evidence as analysts read it, in the console's language: the rules that held, then each feature
 * with its weight in the score, then the other facts (the server's English shows for anything new).
 */
function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const { t, number } = useI18n();
  const features = (Array.isArray(evidence.features) ? evidence.features : []) as Contribution[];
  const rules = (Array.isArray(evidence.rules) ? evidence.rules : []) as string[];
  const rest = Object.entries(evidence).filter(([k]) => k !== 'features' && k !== 'rules');
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
                    {typeof f.value === 'number' ? Number(f.value.toFixed(3)) : String(f.value ?? '')}
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
                    {c.toFixed(2)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {rest.length > 0 && (
        <dl className="kv" style={{ marginTop: 12 }}>
          {rest.map(([key, value]) => (
            <div key={key} data-evidence={key} style={{ display: 'contents' }}>
              <dt title={key}>{evidenceLabel(t, key)}</dt>
              <dd className="mono">{evidenceValue(value, number)}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

export function AlertsPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('open');
  const [selected, setSelected] = useState<Alert>();
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<Error>();
  const { data, error, refresh } = usePoll(() => loadAlerts({ kind, status }), [kind, status], 10_000);

  async function decide(action: 'confirm' | 'dismiss') {
    if (!selected) return;
    try {
      if (action === 'confirm') await api.confirmAlert(selected.id, reason);
      else await api.dismissAlert(selected.id, reason);
      setSelected(undefined);
      setReason('');
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  }

  if (data === null) return <div className="notice">{t('alerts.unavailable')}</div>;
  return (
    <>
      <Panel>
        <div className="toolbar">
          <FilterSelect
            label={t('alerts.kind')}
            name="kind"
            value={kind}
            onChange={setKind}
            options={['simbox', 'fraud_caller', 'wangiri'].map((k) => ({ value: k, label: kindName(t, k) }))}
          />
          <FilterSelect
            label={t('alerts.status')}
            name="status"
            value={status}
            onChange={setStatus}
            options={statuses.map((st) => ({ value: st, label: statusName(t, st) }))}
          />
        </div>
      </Panel>
      <ErrorNotice error={error} />
      <Panel flush>
        <table>
          <thead>
            <tr>
              <th>{t('alerts.kind')}</th>
              <th>MSISDN</th>
              <th>IMSI</th>
              <th>IMEI</th>
              <th className="num">{t('alerts.score')}</th>
              <th>{t('alerts.status')}</th>
            </tr>
          </thead>
          <tbody>
            {(data?.items ?? []).map((a) => (
              <tr key={a.id} className="click" data-alert={a.id} onClick={() => setSelected(a)}>
                <td>
                  <span className={`badge ${a.kind === 'simbox' ? 'block' : 'label'}`}>{kindName(t, a.kind)}</span>
                </td>
                <td className="mono">{a.msisdn}</td>
                <td className="mono">{a.imsi ?? '—'}</td>
                <td className="mono">{a.imei ?? '—'}</td>
                <td className="num mono">{a.score.toFixed(2)}</td>
                <td>{statusName(t, a.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <div className="empty">{t('common.empty')}</div>}
      </Panel>
      {selected && (
        <Drawer title={`${kindName(t, selected.kind)} · ${selected.msisdn}`} onClose={() => setSelected(undefined)}>
          <p>
            <Link to={`/lookup/${encodeURIComponent(selected.msisdn)}`}>{t('nav.lookup')} →</Link>
          </p>
          {can.actOnAlerts(me.user.role) && <OpenCaseButton alert={selected} />}
          <h3>{t('alerts.evidence')}</h3>
          <Evidence evidence={selected.evidence ?? {}} />
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
