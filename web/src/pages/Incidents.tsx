import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { Incident, IncidentDetail } from '../api/types.ts';
import { DataTable, Field, IssuedKey } from '../components/DataTable.tsx';
import { usePoll } from '../components/hooks.ts';
import { Link, useRouter } from '../components/router.tsx';
import { Drawer, ErrorNotice, openableRow, Panel, Reasons, VerdictBadge } from '../components/ui.tsx';
import { type MessageKey, useI18n, valueName } from '../i18n.tsx';
import { can, useSession } from '../session.tsx';
import { kindName, statusName } from './Alerts.tsx';
import { AddIncidentToCase } from './cases/AddIncidentToCase.tsx';

const incidentKind = (t: (k: MessageKey) => string, kind: string) => valueName(t, 'incidents.kind', kind);
const riskName = (t: (k: MessageKey) => string, risk: string) => valueName(t, 'incidents.risk', risk);
/** An incident's amount with its currency, or a dash when the bank gave none. */
const amountText = (incident: Incident, number: (n: number) => string) =>
  incident.amount !== undefined ? `${number(incident.amount)} ${incident.currency ?? ''}` : '—';

/** One incident: the banks involved, the alerts behind its suspects, and the victim's contact trail. */
function IncidentView({ incident, onClose }: { incident: Incident; onClose(): void }) {
  const { t, dateTime, number, score } = useI18n();
  const { me } = useSession();
  const [failure, setFailure] = useState<Error>();
  const { data, error, refresh } = usePoll<IncidentDetail>(
    () => api.incident(incident.incidentId, incident.bank),
    [incident.bank, incident.incidentId],
  );
  async function mark(contact: string, suspect: boolean) {
    try {
      await api.markSuspect(incident.incidentId, incident.bank, contact, suspect);
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  }
  return (
    <Drawer title={`${incident.bank} · ${incident.incidentId}`} onClose={onClose}>
      <ErrorNotice error={error ?? failure} />
      <dl className="kv">
        <dt>{t('incidents.victim')}</dt>
        <dd className="mono">
          <Link to={`/lookup/${encodeURIComponent(incident.victim)}`}>{incident.victim}</Link>
        </dd>
        <dt>{t('incidents.at')}</dt>
        <dd>{dateTime(incident.at)}</dd>
        <dt>{t('incidents.kind')}</dt>
        <dd>{incidentKind(t, incident.kind)}</dd>
        <dt>{t('incidents.amount')}</dt>
        <dd className="mono">{amountText(incident, number)}</dd>
        <dt>{t('incidents.banks')}</dt>
        <dd data-banks>{[incident.bank, ...(data?.otherBanks ?? [])].join(', ')}</dd>
      </dl>
      {can.actOnAlerts(me.user.role) && <AddIncidentToCase incident={incident} />}
      <h3>{t('incidents.alerts')}</h3>
      {data && data.alerts.length === 0 && <div className="empty">{t('common.empty')}</div>}
      <ul>
        {(data?.alerts ?? []).map((a) => (
          <li key={a.id} data-linked-alert={a.id}>
            <Link to={`/alerts?id=${encodeURIComponent(a.id)}`} className="mono">
              {a.number}
            </Link>{' '}
            · {kindName(t, a.kind)} · {statusName(t, a.status)} · {score(a.score)}
          </li>
        ))}
      </ul>
      <h3>{t('incidents.trail')}</h3>
      <DataTable
        label={t('incidents.trail')}
        className="trail-table"
        head={
          <>
            <th>{t('incidents.number')}</th>
            <th>{t('incidents.at')}</th>
            <th>{t('incidents.verdict')}</th>
          </>
        }
        data={data}
        count={data?.contacts.length ?? 0}
      >
        {(data?.contacts ?? []).map((c) => (
          <tr
            key={`${c.number}|${c.at}|${c.channel}`}
            data-contact={c.number}
            className={c.suspect ? 'trail-suspect' : ''}
          >
            <td className="trail-cell mono">
              <Link to={`/lookup/${encodeURIComponent(c.number)}`}>{c.number}</Link>
              <div className="muted" data-reputation={c.reputation}>
                {t('incidents.risk')}: {riskName(t, c.reputation)}
              </div>
              {c.alert && <span className="badge block">{kindName(t, c.alert.kind)}</span>}
              {can.actOnAlerts(me.user.role) && (
                <div>
                  <button type="button" className="btn ghost small" onClick={() => void mark(c.number, !c.suspect)}>
                    {t(c.suspect ? 'incidents.unmark' : 'incidents.mark')}
                  </button>
                </div>
              )}
            </td>
            <td className="trail-cell">
              {dateTime(c.at)}
              <div className="muted">{t(c.channel === 'sms' ? 'incidents.sms' : 'incidents.call')}</div>
            </td>
            <td className="trail-cell">
              {c.verdict ? (
                <VerdictBadge verdict={c.verdict} />
              ) : (
                <span className="muted">{t('incidents.cdrOnly')}</span>
              )}
              {c.reasons && c.reasons.length > 0 && <Reasons reasons={c.reasons} />}
            </td>
          </tr>
        ))}
      </DataTable>
    </Drawer>
  );
}

/** The banks of the exchange with their customer counts; an admin adds one and issues its key. */
function BanksPanel() {
  const { t, number } = useI18n();
  const { me } = useSession();
  const admin = can.admin(me.user.role);
  const { data, error, refresh } = usePoll(() => api.banks(), []);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [issued, setIssued] = useState<{ bank: string; apiKey: string }>();
  const [failure, setFailure] = useState<Error>();
  async function run(work: () => Promise<void>) {
    try {
      setFailure(undefined);
      await work();
      await refresh();
    } catch (err) {
      setFailure(err as Error);
    }
  }
  return (
    <Panel title={t('banks.title')}>
      <ErrorNotice error={error ?? failure} />
      {admin && (
        <form
          className="toolbar"
          data-form="create-bank"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await api.createBank(id.trim().toUpperCase(), name.trim());
              setId('');
              setName('');
            });
          }}
        >
          <Field label={t('banks.id')}>
            <input
              name="bank-id"
              value={id}
              onChange={(e) => setId(e.target.value)}
              required
              pattern="[A-Za-z0-9_]{2,32}"
            />
          </Field>
          <Field label={t('banks.name')}>
            <input name="bank-name" value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <button type="submit" className="btn">
            {t('banks.add')}
          </button>
        </form>
      )}
      {issued && <IssuedKey owner={issued.bank} apiKey={issued.apiKey} />}
      <DataTable
        label={t('banks.title')}
        head={
          <>
            <th>{t('banks.id')}</th>
            <th>{t('banks.name')}</th>
            <th className="num">{t('banks.customers')}</th>
            {admin && <th />}
          </>
        }
        data={data}
        count={data?.items.length ?? 0}
      >
        {(data?.items ?? []).map((b) => (
          <tr key={b.id} data-bank={b.id}>
            <td className="mono">{b.id}</td>
            <td>{b.name}</td>
            <td className="num mono">{number(b.customers)}</td>
            {admin && (
              <td className="num">
                <button
                  type="button"
                  className="btn ghost small"
                  onClick={() =>
                    void run(async () => setIssued({ bank: b.id, apiKey: (await api.issueBankKey(b.id)).apiKey }))
                  }
                >
                  {t('operators.issue')}
                </button>
              </td>
            )}
          </tr>
        ))}
      </DataTable>
    </Panel>
  );
}

/** Incidents the banks reported, newest first, and the banks of the exchange. */
export function IncidentsPage() {
  const { t, dateTime, number } = useI18n();
  const [selected, setSelected] = useState<Incident>();
  const [failure, setFailure] = useState<Error>();
  const { data, error } = usePoll(() => api.incidents({ limit: 200 }), [], 15_000);
  // A link to one incident (`/incidents?bank=…&id=…`, from a case or an alert) opens its panel.
  const { path } = useRouter();
  const linked = new URLSearchParams(path.split('?')[1] ?? '');
  const linkedBank = linked.get('bank');
  const linkedId = linked.get('id');
  useEffect(() => {
    if (linkedBank && linkedId) api.incident(linkedId, linkedBank).then(setSelected, setFailure);
  }, [linkedBank, linkedId]);
  return (
    <>
      <BanksPanel />
      <ErrorNotice error={error ?? failure} />
      <Panel flush>
        <DataTable
          label={t('nav.incidents')}
          head={
            <>
              <th>{t('incidents.at')}</th>
              <th>{t('incidents.bank')}</th>
              <th>{t('incidents.id')}</th>
              <th>{t('incidents.victim')}</th>
              <th>{t('incidents.kind')}</th>
              <th className="num">{t('incidents.amount')}</th>
              <th>{t('incidents.suspects')}</th>
            </>
          }
          data={data}
          count={data?.items.length ?? 0}
        >
          {(data?.items ?? []).map((i) => (
            <tr key={`${i.bank}/${i.incidentId}`} data-incident={i.incidentId} {...openableRow(() => setSelected(i))}>
              <td>{dateTime(i.at)}</td>
              <td>{i.bank}</td>
              <td className="mono">{i.incidentId}</td>
              <td className="mono">{i.victim}</td>
              <td>{incidentKind(t, i.kind)}</td>
              <td className="num mono">{amountText(i, number)}</td>
              <td className="mono">{[...new Set([...i.suspectNumbers, ...i.markedSuspects])].join(', ') || '—'}</td>
            </tr>
          ))}
        </DataTable>
      </Panel>
      {selected && <IncidentView incident={selected} onClose={() => setSelected(undefined)} />}
    </>
  );
}
