import { useState } from 'react';
import { api } from '../api/client.ts';
import type { ApiKey } from '../api/types.ts';
import { DataTable, IssuedKey } from '../components/DataTable.tsx';
import { usePoll } from '../components/hooks.ts';
import { Drawer, ErrorNotice, Panel } from '../components/ui.tsx';
import { useI18n } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';

function Keys({ operatorId, onChange }: { operatorId: string; onChange(): void }) {
  const { t, dateTime } = useI18n();
  const { data, error, refresh } = usePoll(() => api.keys(operatorId), [operatorId]);
  const [issued, setIssued] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  async function run(work: () => Promise<void>) {
    try {
      await work();
      await refresh();
      onChange();
    } catch (err) {
      setFailure(err as Error);
    }
  }
  return (
    <>
      <ErrorNotice error={error ?? failure} />
      <button
        type="button"
        className="btn"
        onClick={() => void run(async () => setIssued((await api.issueKey(operatorId)).apiKey))}
      >
        {t('operators.issue')}
      </button>
      {issued && <IssuedKey apiKey={issued} />}
      <DataTable
        label={t('operators.keys')}
        style={{ marginTop: 14 }}
        head={
          <>
            <th>ID</th>
            <th>{t('operators.prefix')}</th>
            <th>{t('lists.when')}</th>
            <th>{t('operators.lastSeen')}</th>
            <th />
          </>
        }
        data={data}
        count={data?.items.length ?? 0}
        empty={t('operators.noKeys')}
      >
        {(data?.items ?? []).map((k: ApiKey) => (
          <tr key={k.id} style={k.revokedAt ? { opacity: 0.5 } : undefined}>
            <td className="mono">{k.id}</td>
            <td className="mono">{k.prefix}…</td>
            <td className="muted">{dateTime(k.createdAt)}</td>
            <td className="muted">{k.lastUsedAt ? dateTime(k.lastUsedAt) : t('operators.never')}</td>
            <td className="num">
              {!k.revokedAt && (
                <button
                  type="button"
                  className="btn danger small"
                  onClick={() => void run(() => api.revokeKey(operatorId, k.id))}
                >
                  {t('operators.revoke')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

export function OperatorsPage() {
  const { t, number, dateTime } = useI18n();
  const { me } = useSession();
  const admin = can.admin(me.user.role);
  const { data, error, refresh } = usePoll(() => api.operators(), [], 10_000);
  const [open, setOpen] = useState<string>();
  return (
    <>
      <ErrorNotice error={error} />
      <Panel flush>
        <DataTable
          label={t('nav.operators')}
          head={
            <>
              <th>ID</th>
              <th>{t('operators.name')}</th>
              <th>{t('operators.participating')}</th>
              <th className="num">{t('operators.keys')}</th>
              <th className="num">{t('operators.traffic')}</th>
              <th className="num">{t('operators.blocked')}</th>
              <th>{t('operators.lastSeen')}</th>
              {admin && <th />}
            </>
          }
          data={data}
          count={data?.items.length ?? 0}
          empty={t('operators.none')}
        >
          {(data?.items ?? []).map((o) => (
            <tr key={o.id} data-operator={o.id}>
              <td className="mono">{o.id}</td>
              <td>{o.name}</td>
              <td>
                {admin ? (
                  <label>
                    <input
                      type="checkbox"
                      checked={o.participating}
                      onChange={(e) => void api.setParticipation(o.id, e.target.checked).then(refresh)}
                    />{' '}
                    {o.participating ? t('common.yes') : t('common.no')}
                  </label>
                ) : (
                  <span className={`badge ${o.participating ? 'allow' : ''}`}>
                    {o.participating ? t('common.yes') : t('common.no')}
                  </span>
                )}
              </td>
              <td className="num">{number(o.keys.active)}</td>
              <td className="num">{number(o.traffic24h.screened)}</td>
              <td className="num">{number(o.traffic24h.blocked)}</td>
              <td className="muted">{o.lastSeenAt ? dateTime(o.lastSeenAt) : t('operators.never')}</td>
              {admin && (
                <td className="num">
                  <button type="button" className="btn ghost small" onClick={() => setOpen(o.id)}>
                    {t('operators.keys')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      </Panel>
      {open && (
        <Drawer title={`${t('operators.keys')} · ${open}`} onClose={() => setOpen(undefined)}>
          <Keys operatorId={open} onChange={() => void refresh()} />
        </Drawer>
      )}
    </>
  );
}
