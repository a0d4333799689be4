import { useState } from 'react';
import { api } from '../api/client.ts';
import type { AuditEntry, VerifyResult } from '../api/types.ts';
import { usePoll } from '../components/hooks.ts';
import { Drawer, ErrorNotice, FactList, openableRow, Panel, TableBox, TableState } from '../components/ui.tsx';
import { type Fact, recordFacts } from '../facts.ts';
import { useI18n, valueName } from '../i18n.tsx';
import { actorName, useSpeak } from '../speak.tsx';

export function AuditPage() {
  const i18n = useI18n();
  const { t, dateTime, number } = i18n;
  const { actionName } = useSpeak();
  /** An entry as labelled facts, its details under their own names (as the request gave them). */
  const entryFacts = (e: AuditEntry): Fact[] => {
    const action = actionName(e.action);
    const details = recordFacts(e.details ?? {}, t, i18n);
    return [
      { key: 'seq', label: '#', text: String(e.seq) },
      { key: 'at', label: t('audit.at'), text: dateTime(e.at) },
      { key: 'actor', label: t('audit.actor'), text: e.actor },
      { key: 'role', label: t('users.role'), text: valueName(t, 'role', e.role) },
      { key: 'action', label: t('audit.action'), text: action === e.action ? action : `${action} (${e.action})` },
      { key: 'target', label: t('audit.target'), text: e.target },
      { key: 'clientIp', label: t('audit.ip'), text: e.clientIp },
      details.length
        ? { key: 'details', label: t('audit.details'), rows: details }
        : { key: 'details', label: t('audit.details'), text: '—' },
      { key: 'prevHash', label: t('audit.prevHash'), text: e.prevHash },
      { key: 'hash', label: t('audit.hash'), text: e.hash },
    ];
  };
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
                  <td className="muted">{valueName(t, 'role', e.role)}</td>
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
          <FactList facts={entryFacts(selected)} attribute="audit-field" />
        </Drawer>
      )}
    </>
  );
}
