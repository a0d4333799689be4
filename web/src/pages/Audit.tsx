import { useState } from 'react';
import { api } from '../api/client.ts';
import type { AuditEntry, VerifyResult } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { Drawer, ErrorNotice, openableRow, Panel, TableBox, TableState } from '../components/ui.tsx';
import { useI18n } from '../i18n.tsx';
import { actorName, useSpeak } from '../speak.tsx';

export function AuditPage() {
  const { t, dateTime, number } = useI18n();
  const { actionName } = useSpeak();
  const [filter, setFilter] = useState({ actor: '', action: '', target: '' });
  const [applied, setApplied] = useState(filter);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [verify, setVerify] = useState<VerifyResult>();
  const [selected, setSelected] = useState<AuditEntry>();
  const { data, error } = usePoll(async () => {
    const page = await api.audit({ ...applied, limit: 100 });
    setMore([]);
    setNext(page.next);
    return page;
  }, [applied]);
  const items = [...(data?.items ?? []), ...more];
  return (
    <>
      <Panel>
        <div className="toolbar" style={{ justifyContent: 'space-between' }}>
          <form
            className="toolbar"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied({ ...filter });
            }}
          >
            <label className="field">
              <span>{t('audit.actor')}</span>
              <input
                name="actor"
                value={filter.actor}
                onChange={(e) => setFilter({ ...filter, actor: e.target.value })}
                placeholder="user:alice"
              />
            </label>
            <label className="field">
              <span>{t('audit.action')}</span>
              <input
                name="action"
                value={filter.action}
                onChange={(e) => setFilter({ ...filter, action: e.target.value })}
                placeholder="number."
              />
            </label>
            <label className="field">
              <span>{t('audit.target')}</span>
              <input
                name="target"
                value={filter.target}
                onChange={(e) => setFilter({ ...filter, target: e.target.value })}
                placeholder="+77011234567"
              />
            </label>
            <button className="btn ghost" type="submit">
              {t('common.search')}
            </button>
          </form>
          <div className="toolbar">
            <a className="btn ghost" href={api.auditExportUrl(applied)} download>
              {t('audit.export')}
            </a>
            <button type="button" className="btn" onClick={() => void api.auditVerify().then(setVerify)}>
              {t('audit.verify')}
            </button>
          </div>
        </div>
      </Panel>
      {verify && (
        <div className={`notice ${verify.ok ? 'ok' : 'error'}`} data-verify={verify.ok ? 'ok' : 'broken'}>
          {verify.ok
            ? `${t('audit.intact')}: ${number(verify.entries)} ${t('audit.entries')} · ${verify.headHash.slice(0, 16)}…`
            : `${t('audit.broken')}: ${verify.problem}`}
        </div>
      )}
      <ErrorNotice error={error} />
      <Panel flush>
        <TableBox label={t('nav.audit')}>
          <table>
            <thead>
              <tr>
                <th className="num">#</th>
                <th>{t('audit.at')}</th>
                <th>{t('audit.actor')}</th>
                <th>{t('users.role')}</th>
                <th>{t('audit.action')}</th>
                <th>{t('audit.target')}</th>
                <th>{t('audit.ip')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.seq} data-audit-action={e.action} {...openableRow(() => setSelected(e))}>
                  <td className="num mono muted">{e.seq}</td>
                  <td className="muted">{dateTime(e.at)}</td>
                  <td>{actorName(e.actor)}</td>
                  <td className="muted">{e.role}</td>
                  <td>
                    <span className="badge reason" title={e.action}>
                      {actionName(e.action)}
                    </span>
                  </td>
                  <td className="mono">{e.target}</td>
                  <td className="mono muted">{e.clientIp}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={items.length} empty={t('audit.none')} />
        {next !== null && (
          <div className="pager">
            <button
              type="button"
              className="btn ghost small"
              onClick={() =>
                void api.audit({ ...applied, cursor: next, limit: 100 }).then((page) => {
                  setMore([...more, ...page.items]);
                  setNext(page.next);
                })
              }
            >
              {t('common.more')}
            </button>
          </div>
        )}
      </Panel>
      {selected && (
        <Drawer title={`${t('audit.title')} #${selected.seq}`} onClose={() => setSelected(undefined)}>
          <p data-audit-summary>
            <strong>{actionName(selected.action)}</strong> · {actorName(selected.actor)} · {dateTime(selected.at)}
          </p>
          <pre className="json">{JSON.stringify(selected, null, 2)}</pre>
        </Drawer>
      )}
    </>
  );
}
