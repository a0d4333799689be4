import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../../api/client.ts';
import { DateField } from '../../components/DateField.tsx';
import { usePoll } from '../../components/hooks.ts';
import { Link } from '../../components/router.tsx';
import { ErrorNotice, Loading, Panel, TableBox, TableState } from '../../components/ui.tsx';
import { can, useSession } from '../../session.tsx';
import { AlertLink, actorName, IncidentLink, useSpeak } from '../../speak.tsx';
import { GraphPanel } from './LinkGraph.tsx';
import { useCaseText } from './text.ts';
import type { TimelineEvent } from './types.ts';

const itemTypes = ['number', 'imsi', 'iccid', 'imei', 'cell', 'alert', 'report', 'incident'];
const seizedKinds = ['simbox', 'sim_card', 'phone', 'other'];

type Speak = ReturnType<typeof useSpeak>;

/**
 * A case item's value: numbers lead to their lookup, alerts and bank incidents to their panels
 * (incidents only for those who may open the Incidents page); other values are text.
 */
function ItemValue({ type, value }: { type: string; value: string }) {
  const { me } = useSession();
  if (type === 'number')
    return (
      <Link to={`/lookup/${encodeURIComponent(value)}`} className="mono">
        {value}
      </Link>
    );
  if (type === 'alert') return <AlertLink id={value} />;
  const slash = value.indexOf('/');
  if (type === 'incident' && slash > 0 && can.actOnAlerts(me.user.role))
    return <IncidentLink bank={value.slice(0, slash)} incidentId={value.slice(slash + 1)} />;
  return <span className="mono">{value}</span>;
}

/**
 * One line for a timeline event, in words: statuses, item types and seized kinds by their names,
 * where items came from as a sentence, alert ids as links.
 */
function describe(e: TimelineEvent, named: (prefix: string, value: string) => string, speak: Speak): ReactNode {
  const d = e.details as Record<string, unknown> & { items?: { type: string; value: string }[] };
  const value = (i: { type: string; value: string }) => <ItemValue type={i.type} value={i.value} />;
  switch (e.kind) {
    case 'created':
      return speak.caseTitle(String(d.title));
    case 'status':
      return `${named('status', String(d.from))} → ${named('status', String(d.to))}${d.reason ? ` (${d.reason})` : ''}`;
    case 'items_added': {
      const items = d.items ?? [];
      return (
        <>
          +{items.length}
          {d.source ? <> · {speak.itemSource(String(d.source))}</> : null}:{' '}
          {items.slice(0, 5).map((i, n) => (
            <span key={`${i.type}:${i.value}`}>
              {n > 0 ? ', ' : ''}
              {named('item', i.type)} {value(i)}
            </span>
          ))}
          {items.length > 5 ? ' …' : ''}
        </>
      );
    }
    case 'item_removed':
      return (
        <>
          − {named('item', String(d.type))} {value({ type: String(d.type), value: String(d.value) })}
        </>
      );
    case 'note':
      return speak.withAlertLinks(String(d.text));
    case 'seized':
      return `${named('seizedKind', String(d.kind))} ${d.identifier ?? ''} · ${d.place}`;
    case 'exported':
      return `ZIP · SHA-256 ${String(d.sha256 ?? '').slice(0, 16)}…`;
    default:
      return `${d.from ?? '—'} → ${d.to ?? '—'}`;
  }
}

/** One case: workflow, assignee and criminal case number, items, seized items, timeline, graph, export. */
export function CasePage({ id }: { id: string }) {
  const { c, named, dateTime, language } = useCaseText();
  const { me } = useSession();
  const speak = useSpeak();
  const writer = can.actOnAlerts(me.user.role);
  const { data, error, refresh } = usePoll(() => api.caseDetail(id), [id]);
  const [failure, setFailure] = useState<Error>();
  const [reason, setReason] = useState('');
  const [assignee, setAssignee] = useState<string>();
  const [externalRef, setExternalRef] = useState<string>();
  const [itemType, setItemType] = useState('number');
  const [itemValue, setItemValue] = useState('');
  const [note, setNote] = useState('');
  const [shared, setShared] = useState(false);
  const [seized, setSeized] = useState({ kind: 'simbox', identifier: '', description: '', seizedAt: '', place: '' });

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setFailure(undefined);
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  };

  if (!data) return error ? <ErrorNotice error={error} /> : <Loading />;
  const editable = writer;
  return (
    <>
      <p>
        <Link to="/cases">← {c('title')}</Link>
      </p>
      <ErrorNotice error={failure} />
      <Panel
        title={
          <span data-case-title>
            {speak.caseTitle(data.title)}{' '}
            <span className={`badge case-${data.status}`} data-status={data.status}>
              {c(`status.${data.status}` as 'status.new')}
            </span>
          </span>
        }
        actions={
          <>
            <a className="btn" href={api.caseExportUrl(id, language === 'en' ? 'en' : 'ru')} download data-export>
              {c('export')}
            </a>
            {language !== 'en' && (
              <a className="btn ghost small" href={api.caseExportUrl(id, 'en')} download>
                {c('exportEn')}
              </a>
            )}
          </>
        }
      >
        {data.hidden > 0 && (
          <div className="notice">
            {data.hidden} {c('hidden')}
          </div>
        )}
        {data.summary && <p>{data.summary}</p>}
        <div className="toolbar" style={{ flexWrap: 'wrap', alignItems: 'flex-end' }}>
          <label className="field">
            <span>{c('assignee')}</span>
            <input
              name="assignee"
              value={assignee ?? data.assignee ?? ''}
              disabled={!editable}
              onChange={(e) => setAssignee(e.target.value)}
            />
          </label>
          <label className="field">
            <span>{c('externalRef')}</span>
            <input
              name="externalRef"
              value={externalRef ?? data.externalRef ?? ''}
              disabled={!editable}
              onChange={(e) => setExternalRef(e.target.value)}
            />
          </label>
          {editable && (
            <button
              type="button"
              className="btn ghost"
              data-save-case
              onClick={() =>
                void act(async () => {
                  // With the values this page started from: another analyst's change meanwhile is
                  // answered 409, not silently overwritten.
                  await api.updateCase(id, {
                    ...(assignee !== undefined ? { assignee: assignee || null } : {}),
                    ...(externalRef !== undefined ? { externalRef: externalRef || null } : {}),
                    base: {
                      ...(assignee !== undefined ? { assignee: data.assignee } : {}),
                      ...(externalRef !== undefined ? { externalRef: data.externalRef } : {}),
                    },
                  });
                  setAssignee(undefined);
                  setExternalRef(undefined);
                })
              }
              disabled={assignee === undefined && externalRef === undefined}
            >
              {c('save')}
            </button>
          )}
        </div>
        {editable && (
          <div className="toolbar" style={{ marginTop: 12, flexWrap: 'wrap', alignItems: 'flex-end' }}>
            <label className="field">
              <span>{c('reason')}</span>
              <input name="transition-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
            {data.nextStatuses.map((s) => (
              <button
                key={s}
                type="button"
                className="btn"
                data-move={s}
                onClick={() =>
                  void act(async () => {
                    await api.moveCase(id, s, reason.trim() || undefined);
                    setReason('');
                  })
                }
              >
                {c('move')}: {c(`status.${s}` as 'status.new')}
              </button>
            ))}
          </div>
        )}
        <p className="muted" style={{ marginTop: 10 }}>
          {c('created')}: {dateTime(data.createdAt)} · {actorName(data.createdBy)}
        </p>
      </Panel>

      <GraphPanel startOnly reloadKey={`${id}:${data.caseItems.length}`} load={(q) => api.caseGraph(id, q)} />

      <div className="grid cols-2">
        <Panel title={`${c('items')} (${data.caseItems.length})`} flush>
          {editable && (
            <form
              className="toolbar"
              style={{ padding: 12 }}
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                void act(async () => {
                  await api.addCaseItems(id, [{ type: itemType, value: itemValue.trim() }]);
                  setItemValue('');
                });
              }}
            >
              <select
                name="item-type"
                value={itemType}
                onChange={(e) => setItemType(e.target.value)}
                aria-label={c('type')}
              >
                {itemTypes.map((t) => (
                  <option key={t} value={t}>
                    {named('item', t)}
                  </option>
                ))}
              </select>
              <input
                name="item-value"
                value={itemValue}
                onChange={(e) => setItemValue(e.target.value)}
                aria-label={c('value')}
              />
              <button type="submit" className="btn small" disabled={!itemValue.trim()}>
                {c('add')}
              </button>
            </form>
          )}
          <TableBox label={c('items')} maxHeight={420}>
            <table>
              <thead>
                <tr>
                  <th>{c('type')}</th>
                  <th>{c('value')}</th>
                  <th>{c('operators')}</th>
                </tr>
              </thead>
              <tbody>
                {data.caseItems.map((i) => (
                  <tr key={`${i.type}:${i.value}`} data-item={`${i.type}:${i.value}`}>
                    <td>{named('item', i.type)}</td>
                    <td className="mono">
                      <ItemValue type={i.type} value={i.value} />
                    </td>
                    <td>{i.operators.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
          <TableState data={data} count={data.caseItems.length} empty={c('noItems')} />
        </Panel>

        <Panel title={c('timeline')} flush>
          <form
            className="toolbar"
            style={{ padding: 12, flexWrap: 'wrap' }}
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              void act(async () => {
                await api.addCaseNote(id, note.trim(), shared);
                setNote('');
              });
            }}
          >
            <input
              name="note"
              aria-label={c('note')}
              placeholder={c('note')}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              style={{ flex: 1 }}
            />
            {editable && (
              <label className="muted">
                <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> {c('shared')}
              </label>
            )}
            <button type="submit" className="btn small" disabled={!note.trim()}>
              {c('addNote')}
            </button>
          </form>
          <ol className="timeline" style={{ maxHeight: 420, overflow: 'auto', margin: 0, padding: '0 12px 12px 32px' }}>
            {[...data.timeline].reverse().map((e) => (
              <li key={e.seq} data-event={e.kind} style={{ marginBottom: 8 }}>
                <div className="muted" style={{ fontSize: 12 }}>
                  {dateTime(e.at)} · {actorName(e.actor)} · {named('event', e.kind)}
                </div>
                <div>{describe(e, named, speak)}</div>
              </li>
            ))}
          </ol>
        </Panel>
      </div>

      <Panel title={c('seized')} flush>
        {editable && (
          <form
            className="toolbar"
            style={{ padding: 12, flexWrap: 'wrap', alignItems: 'flex-end' }}
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              void act(async () => {
                await api.addSeized(id, {
                  kind: seized.kind,
                  ...(seized.identifier.trim() ? { identifier: seized.identifier.trim() } : {}),
                  ...(seized.description.trim() ? { description: seized.description.trim() } : {}),
                  seizedAt: new Date(seized.seizedAt).toISOString(),
                  place: seized.place.trim(),
                });
                setSeized({ kind: 'simbox', identifier: '', description: '', seizedAt: '', place: '' });
              });
            }}
          >
            <label className="field">
              <span>{c('seizedKind')}</span>
              <select
                name="seized-kind"
                value={seized.kind}
                onChange={(e) => setSeized({ ...seized, kind: e.target.value })}
              >
                {seizedKinds.map((k) => (
                  <option key={k} value={k}>
                    {named('seizedKind', k)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{c('identifier')}</span>
              <input
                name="seized-identifier"
                value={seized.identifier}
                onChange={(e) => setSeized({ ...seized, identifier: e.target.value })}
              />
            </label>
            <label className="field">
              <span>{c('description')}</span>
              <input
                name="seized-description"
                value={seized.description}
                onChange={(e) => setSeized({ ...seized, description: e.target.value })}
              />
            </label>
            <DateField
              label={c('seizedAt')}
              name="seized-at"
              withTime
              value={seized.seizedAt}
              onChange={(seizedAt) => setSeized({ ...seized, seizedAt })}
            />
            <label className="field">
              <span>{c('place')}</span>
              <input
                name="seized-place"
                value={seized.place}
                onChange={(e) => setSeized({ ...seized, place: e.target.value })}
              />
            </label>
            <button type="submit" className="btn small" disabled={!seized.place.trim() || !seized.seizedAt}>
              {c('record')}
            </button>
          </form>
        )}
        <TableBox label={c('seized')}>
          <table>
            <thead>
              <tr>
                <th>{c('seizedAt')}</th>
                <th>{c('seizedKind')}</th>
                <th>{c('identifier')}</th>
                <th>{c('place')}</th>
                <th>{c('description')}</th>
              </tr>
            </thead>
            <tbody>
              {data.seized.map((s) => (
                <tr key={s.id} data-seized={s.id}>
                  <td>{dateTime(s.seizedAt)}</td>
                  <td>{named('seizedKind', s.kind)}</td>
                  <td className="mono">{s.identifier ?? ''}</td>
                  <td>{s.place}</td>
                  <td>{s.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={data.seized.length} empty={c('noSeized')} />
      </Panel>
    </>
  );
}
