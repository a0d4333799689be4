import { type FormEvent, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { DataTable, Field } from '../components/DataTable.tsx';
import { DateField } from '../components/DateField.tsx';
import { usePoll } from '../components/hooks.ts';
import { ErrorNotice, Panel } from '../components/ui.tsx';
import { errorLine } from '../errors.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';
import { actorName, useSpeak } from '../speak.tsx';

const lists = ['blocklist', 'allowlist', 'dno', 'protected'] as const;
const pageSize = 50;

/**
 * Where an entry came from, in words: the platform keeps it as a code (`api`, `import`,
 * `detection`, `reports`) or as `bank:<id>` for a bank's own DNO numbers; an unknown one shows as is.
 */
export function listSourceName(t: (key: MessageKey) => string, source: string): string {
  if (source.startsWith('bank:')) return `${t('lists.source.bank')} ${source.slice(5)}`;
  const key = `lists.source.${source}` as MessageKey;
  const name = t(key);
  return name === key ? source : name;
}

export function ListsPage() {
  const { t, dateTime, number: formatCount } = useI18n();
  const { listReason } = useSpeak();
  const { me } = useSession();
  const editable = can.editLists(me.user.role);
  const [list, setList] = useState<(typeof lists)[number]>('blocklist');
  const [prefix, setPrefix] = useState('');
  const [applied, setApplied] = useState('');
  const [offset, setOffset] = useState(0);
  const [form, setForm] = useState({ number: '', reason: '', expiresAt: '' });
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const fileInput = useRef<HTMLInputElement>(null);
  const { data, error, refresh } = usePoll(
    () => api.listEntries(list, { prefix: applied || undefined, limit: pageSize, offset }),
    [list, applied, offset],
  );

  async function act(work: () => Promise<string>) {
    try {
      setMessage({ ok: true, text: await work() });
      await refresh();
    } catch (err) {
      setMessage({ ok: false, text: errorLine(t, err) });
    }
  }
  function add(e: FormEvent) {
    e.preventDefault();
    void act(async () => {
      const entry = await api.addEntry(list, {
        number: form.number,
        reason: form.reason,
        ...(form.expiresAt ? { expiresAt: new Date(form.expiresAt).toISOString() } : {}),
      });
      setForm({ number: '', reason: '', expiresAt: '' });
      return `${entry.number} → ${t(`list.${list}` as MessageKey)}`;
    });
  }
  async function importFile(file: File) {
    const text = await file.text();
    await act(async () => {
      const r = await api.importList(list, text);
      // A bad row does not stop the others: say which lines were left out and why.
      const rejected = r.rejected.slice(0, 5).map((x) => `${x.line}: ${x.reason}`);
      return r.rejected.length
        ? `${t('lists.imported')}: ${r.imported}; ${t('lists.rejected')}: ${r.rejected.length} (${rejected.join('; ')})`
        : `${t('lists.imported')}: ${r.imported}`;
    });
  }

  return (
    <>
      <Panel flush>
        <div className="tabs">
          {lists.map((l) => (
            <button
              type="button"
              key={l}
              className={l === list ? 'on' : ''}
              aria-pressed={l === list}
              onClick={() => {
                setList(l);
                setOffset(0);
              }}
            >
              {t(`list.${l}` as MessageKey)}
            </button>
          ))}
        </div>
        <div className="body">
          <div className="toolbar" style={{ justifyContent: 'space-between' }}>
            <form
              className="toolbar"
              onSubmit={(e) => {
                e.preventDefault();
                setOffset(0);
                setApplied(prefix.trim());
              }}
            >
              <Field label={t('lists.number')}>
                <input name="prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="+7701…" />
              </Field>
              <button className="btn ghost" type="submit">
                {t('common.search')}
              </button>
              <span className="muted" style={{ alignSelf: 'center' }}>
                {data ? `${formatCount(data.total)} ${t('lists.total')}` : ''}
              </span>
            </form>
            {editable && (
              <>
                {/* A button, so that Tab reaches it and Enter or Space opens the file chooser. */}
                <button type="button" className="btn ghost" data-import onClick={() => fileInput.current?.click()}>
                  {t('lists.import')}
                </button>
                <input
                  ref={fileInput}
                  type="file"
                  name="import"
                  accept=".csv,text/csv"
                  tabIndex={-1}
                  aria-hidden="true"
                  style={{ display: 'none' }}
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (file) void importFile(file);
                    e.target.value = '';
                  }}
                />
              </>
            )}
          </div>
          {editable && (
            <form className="toolbar" style={{ marginTop: 14 }} onSubmit={add} data-form="add-entry">
              <Field label={t('lists.number')}>
                <input
                  name="number"
                  required
                  value={form.number}
                  onChange={(e) => setForm({ ...form, number: e.target.value })}
                  placeholder="+77011234567"
                />
              </Field>
              <Field label={t('lists.reason')} style={{ flex: '1 1 260px' }}>
                <input
                  name="reason"
                  required
                  value={form.reason}
                  onChange={(e) => setForm({ ...form, reason: e.target.value })}
                />
              </Field>
              <DateField
                label={t('lists.expires')}
                name="expiresAt"
                withTime
                value={form.expiresAt}
                onChange={(expiresAt) => setForm({ ...form, expiresAt })}
              />
              <button className="btn" type="submit">
                {t('lists.add')}
              </button>
            </form>
          )}
        </div>
      </Panel>
      {message && <div className={`notice ${message.ok ? 'ok' : 'error'}`}>{message.text}</div>}
      <ErrorNotice error={error} />
      <Panel flush>
        <DataTable
          label={t(`list.${list}` as MessageKey)}
          head={
            <>
              <th>{t('lists.number')}</th>
              <th>{t('lists.reason')}</th>
              <th>{t('lists.who')}</th>
              <th>{t('lists.when')}</th>
              <th>{t('lists.expires')}</th>
              <th>{t('lists.source')}</th>
              {editable && <th />}
            </>
          }
          data={data}
          count={data?.items.length ?? 0}
          empty={t('lists.none')}
        >
          {(data?.items ?? []).map((e) => (
            <tr key={e.number} data-entry={e.number}>
              <td className="mono">{e.number}</td>
              <td>
                {listReason(e.reason)}
                {e.displayName ? <span className="muted"> · {e.displayName}</span> : null}
              </td>
              <td className="muted">{actorName(e.createdBy)}</td>
              <td className="muted">{dateTime(e.createdAt)}</td>
              <td className="muted">{e.expiresAt ? dateTime(e.expiresAt) : ''}</td>
              <td className="muted" data-source={e.source}>
                {listSourceName(t, e.source)}
              </td>
              {editable && (
                <td className="num">
                  <button
                    type="button"
                    className="btn danger small"
                    aria-label={`${t('lists.remove')} ${e.number}`}
                    onClick={() => {
                      if (confirm(`${t('lists.confirmRemove')} ${e.number}`)) {
                        void act(async () => {
                          await api.removeEntry(list, e.number);
                          return `${e.number} ✕`;
                        });
                      }
                    }}
                  >
                    {t('lists.remove')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </DataTable>
        {data && (offset > 0 || data.items.length === pageSize) && (
          <div className="pager toolbar">
            <button
              type="button"
              className="btn ghost small"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - pageSize))}
            >
              ←
            </button>
            <span className="muted">
              {offset + 1}–{offset + data.items.length}
            </span>
            <button
              type="button"
              className="btn ghost small"
              disabled={data.items.length < pageSize}
              onClick={() => setOffset(offset + pageSize)}
            >
              →
            </button>
          </div>
        )}
      </Panel>
    </>
  );
}
