import { type FormEvent, useState } from 'react';
import { caseStatuses } from '../../../../src/cases/types.ts';
import { api } from '../../api/client.ts';
import { usePoll } from '../../components/hooks.ts';
import { Link, useRouter } from '../../components/router.tsx';
import { ErrorNotice, Panel, TableBox, TableState } from '../../components/ui.tsx';
import { can, useSession } from '../../session.tsx';
import { useSpeak } from '../../speak.tsx';
import { GraphPanel } from './LinkGraph.tsx';
import { useCaseText } from './text.ts';

const fromKinds = ['', 'alertId', 'device', 'number', 'imsi', 'imei'] as const;

/** The cases list, opening a case, and link analysis from any number, SIM or device. */
export function CasesPage() {
  const { c, named, dateTime, number } = useCaseText();
  const { caseTitle } = useSpeak();
  const { me } = useSession();
  const { navigate } = useRouter();
  const [status, setStatus] = useState('');
  const { data, error } = usePoll(() => api.cases(status || undefined), [status]);
  const [title, setTitle] = useState('');
  const [fromKind, setFromKind] = useState<(typeof fromKinds)[number]>('');
  const [fromValue, setFromValue] = useState('');
  const [failure, setFailure] = useState<Error>();
  const [linkType, setLinkType] = useState('number');
  const [linkValue, setLinkValue] = useState('');
  const [linkQuery, setLinkQuery] = useState<{ type: string; value: string }>();
  const writer = can.actOnAlerts(me.user.role);

  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      const created = await api.createCase({
        title,
        ...(fromKind && fromValue.trim() ? { from: { [fromKind]: fromValue.trim() } } : {}),
      });
      navigate(`/cases/${created.id}`);
    } catch (err) {
      setFailure(err as Error);
    }
  }

  return (
    <>
      {writer && (
        <Panel title={c('newCase')}>
          <form className="toolbar" onSubmit={(e) => void create(e)} style={{ flexWrap: 'wrap' }}>
            <label className="field">
              <span>{c('caseTitle')}</span>
              <input name="case-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
            </label>
            <label className="field">
              <span>{c('from')}</span>
              <select
                name="case-from"
                value={fromKind}
                onChange={(e) => setFromKind(e.target.value as (typeof fromKinds)[number])}
              >
                {fromKinds.map((k) => (
                  <option key={k} value={k}>
                    {k ? named('fromKind', k) : c('fromNothing')}
                  </option>
                ))}
              </select>
            </label>
            {fromKind && (
              <label className="field">
                <span>{c('value')}</span>
                <input name="case-from-value" value={fromValue} onChange={(e) => setFromValue(e.target.value)} />
              </label>
            )}
            <button type="submit" className="btn" disabled={!title.trim()}>
              {c('create')}
            </button>
          </form>
          <ErrorNotice error={failure} />
        </Panel>
      )}
      <Panel
        title={c('title')}
        flush
        actions={
          <select
            name="case-status"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            aria-label={c('status')}
          >
            <option value="">{c('allStatuses')}</option>
            {caseStatuses.map((s) => (
              <option key={s} value={s}>
                {c(`status.${s}` as 'status.new')}
              </option>
            ))}
          </select>
        }
      >
        <ErrorNotice error={error} />
        <TableBox label={c('title')}>
          <table>
            <thead>
              <tr>
                <th>{c('caseTitle')}</th>
                <th>{c('status')}</th>
                <th>{c('assignee')}</th>
                <th>{c('externalRef')}</th>
                <th className="num">{c('items')}</th>
                <th>{c('updated')}</th>
              </tr>
            </thead>
            <tbody>
              {(data?.items ?? []).map((k) => (
                <tr key={k.id} data-case={k.id}>
                  <td>
                    <Link to={`/cases/${k.id}`}>{caseTitle(k.title)}</Link>
                  </td>
                  <td>
                    <span className={`badge case-${k.status}`}>{c(`status.${k.status}` as 'status.new')}</span>
                  </td>
                  <td>{k.assignee ?? ''}</td>
                  <td className="mono">{k.externalRef ?? ''}</td>
                  <td className="num">{number(k.items)}</td>
                  <td>{dateTime(k.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
        <TableState data={data} count={data?.items.length ?? 0} empty={c('noCases')} />
      </Panel>
      <Panel title={c('graph')}>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            if (linkValue.trim()) setLinkQuery({ type: linkType, value: linkValue.trim() });
          }}
        >
          <select
            name="link-type"
            value={linkType}
            onChange={(e) => setLinkType(e.target.value)}
            aria-label={c('linkFrom')}
          >
            {['number', 'imsi', 'imei', 'cell'].map((t) => (
              <option key={t} value={t}>
                {c(`node.${t}` as 'node.number')}
              </option>
            ))}
          </select>
          <input
            name="link-value"
            value={linkValue}
            onChange={(e) => setLinkValue(e.target.value)}
            aria-label={c('value')}
          />
          <button type="submit" className="btn">
            {c('search')}
          </button>
        </form>
      </Panel>
      {linkQuery && (
        <GraphPanel
          reloadKey={`${linkQuery.type}:${linkQuery.value}`}
          load={(q) => api.links({ ...linkQuery, ...q })}
        />
      )}
    </>
  );
}
