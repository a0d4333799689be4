import { useState } from 'react';
import { reasonCodes } from '../../../src/screening/types.ts';
import { api } from '../api/client.ts';
import type { Decision } from '../api/types.ts';
import { DataTable, Field } from '../components/DataTable.tsx';
import { usePoll } from '../components/hooks.ts';
import { Link } from '../components/router.tsx';
import {
  Drawer,
  ErrorNotice,
  FilterSelect,
  openableRow,
  Panel,
  Reasons,
  TableState,
  VerdictBadge,
} from '../components/ui.tsx';
import { useI18n, valueName } from '../i18n.tsx';
import { labelCodeLabel, reasonLabel } from '../messages.ts';

// The platform's own list, so the filter offers every reason screening can give.
const reasons = reasonCodes;

export function DecisionDetails({ decision }: { decision: Decision }) {
  const { t, dateTime, milliseconds, language } = useI18n();
  return (
    <dl className="kv">
      <dt>{t('decisions.verdict')}</dt>
      <dd>
        <VerdictBadge verdict={decision.verdict} shadow={decision.shadow} />
        {decision.shadowVerdict ? (
          <span className="muted" title={decision.shadowVerdict}>
            {' '}
            → {valueName(t, 'verdict', decision.shadowVerdict)}
          </span>
        ) : null}
      </dd>
      <dt>{t('decisions.reasons')}</dt>
      <dd>
        <Reasons reasons={decision.reasons} />
      </dd>
      <dt>{t('decisions.caller')}</dt>
      <dd className="mono">
        <Link to={`/lookup/${encodeURIComponent(decision.a)}`}>{decision.a}</Link>
      </dd>
      <dt>{t('decisions.callee')}</dt>
      <dd className="mono">
        <Link to={`/lookup/${encodeURIComponent(decision.b)}`}>{decision.b}</Link>
      </dd>
      <dt>{t('decisions.operator')}</dt>
      <dd>{decision.operator}</dd>
      <dt>{t('decisions.from')}</dt>
      <dd>{decision.fromOperator ?? '—'}</dd>
      <dt>{t('decisions.ingress')}</dt>
      <dd>
        <span title={decision.ingress}>{valueName(t, 'ingress', decision.ingress)}</span>
      </dd>
      <dt>{t('decisions.time')}</dt>
      <dd>{dateTime(decision.decidedAt)}</dd>
      <dt>{t('decisions.latency')}</dt>
      <dd className="mono">{milliseconds(decision.latencyUs / 1000)}</dd>
      {decision.labelCode || decision.label ? (
        <>
          <dt>{t('decisions.label')}</dt>
          <dd data-label-code={decision.labelCode ?? ''}>
            {decision.labelCode ? (
              <span className="badge label" title={decision.labelCode}>
                {labelCodeLabel(decision.labelCode, language)}
              </span>
            ) : null}
            {/* The text the callee's screen showed, in the subscriber's language (a business's name). */}
            {decision.label &&
            (!decision.labelCode || decision.label !== labelCodeLabel(decision.labelCode, language)) ? (
              <span className="muted"> «{decision.label}»</span>
            ) : null}
          </dd>
        </>
      ) : null}
      {decision.channel === 'sms' ? (
        <>
          <dt>{t('decisions.channel')}</dt>
          <dd>{t('channel.sms')}</dd>
          {decision.linkDomains?.length ? (
            <>
              <dt>{t('decisions.linkDomains')}</dt>
              <dd className="mono">{decision.linkDomains.join(', ')}</dd>
            </>
          ) : null}
        </>
      ) : null}
      <dt>{t('decisions.id')}</dt>
      <dd className="mono">{decision.decisionId}</dd>
      <dt>{t('decisions.callId')}</dt>
      <dd className="mono">{decision.callId}</dd>
    </dl>
  );
}

/**
 * Decisions as table rows, newest first. With `onOpen`, rows open on a click and show the carrier
 * that delivered the call; without, they are a plain list (a number's lookup).
 */
export function DecisionTable({ decisions, onOpen }: { decisions: Decision[]; onOpen?: (d: Decision) => void }) {
  const { t, time } = useI18n();
  return (
    <DataTable
      label={t('decisions.title')}
      head={
        <>
          <th>{t('decisions.time')}</th>
          <th>{t('decisions.verdict')}</th>
          <th>{t('decisions.caller')}</th>
          <th>{t('decisions.callee')}</th>
          <th>{t('decisions.operator')}</th>
          {onOpen && <th>{t('decisions.from')}</th>}
          <th>{t('decisions.reasons')}</th>
        </>
      }
    >
      {decisions.map((d) => (
        <tr
          key={d.decisionId}
          {...(onOpen ? openableRow(() => onOpen(d)) : {})}
          data-decision={onOpen ? d.decisionId : undefined}
        >
          <td className="mono">{time(d.decidedAt)}</td>
          <td>
            <VerdictBadge verdict={d.verdict} shadow={d.shadow} />
          </td>
          <td className="mono">{d.a}</td>
          <td className="mono">{d.b}</td>
          <td>{d.operator}</td>
          {onOpen && <td>{d.fromOperator ?? '—'}</td>}
          <td>
            <Reasons reasons={d.reasons} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function DecisionsPage() {
  const { t, language } = useI18n();
  const [verdict, setVerdict] = useState('');
  const [reason, setReason] = useState('');
  const [operator, setOperator] = useState('');
  const [channel, setChannel] = useState('');
  const [number, setNumber] = useState('');
  const [applied, setApplied] = useState('');
  const [live, setLive] = useState(true);
  const [selected, setSelected] = useState<Decision>();
  const { data, error } = usePoll(
    () => api.decisions({ verdict, reason, operator, number: applied, channel, limit: 200 }),
    [verdict, reason, operator, applied, channel, live],
    live ? 3000 : undefined,
    // The live feed holds still while a decision is open or the keyboard is on one of its rows:
    // a busy country's calls would push that row off the list within seconds, and the keyboard's
    // place (or the row the panel returns to) with it.
    () => selected !== undefined || document.activeElement?.closest('tr[data-decision]') != null,
  );
  async function open(d: Decision) {
    // The full view is fetched so that opening a decision is recorded in the audit log.
    setSelected(await api.decision(d.decisionId).catch(() => d));
  }
  return (
    <>
      <Panel>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(number.trim());
          }}
        >
          <FilterSelect
            label={t('decisions.verdict')}
            name="verdict"
            value={verdict}
            onChange={setVerdict}
            options={(['block', 'label', 'allow'] as const).map((v) => ({ value: v, label: t(`verdict.${v}`) }))}
          />
          {/* The label shows; the code is what the filter sends. */}
          <FilterSelect
            label={t('decisions.reasons')}
            name="reason"
            value={reason}
            onChange={setReason}
            title={reason || undefined}
            maxWidth={280}
            options={reasons.map((r) => ({ value: r, label: reasonLabel(r, language), title: r }))}
          />
          <FilterSelect
            label={t('decisions.channel')}
            name="channel"
            value={channel}
            onChange={setChannel}
            options={(['call', 'sms'] as const).map((c) => ({ value: c, label: t(`channel.${c}`) }))}
          />
          <Field label={t('decisions.operator')}>
            <input
              name="operator"
              value={operator}
              onChange={(e) => setOperator(e.target.value.toUpperCase())}
              placeholder="KCELL"
              size={12}
            />
          </Field>
          <Field label={t('decisions.number')}>
            <input
              name="number"
              value={number}
              onChange={(e) => setNumber(e.target.value)}
              placeholder="+77011234567"
            />
          </Field>
          <button className="btn" type="submit">
            {t('common.search')}
          </button>
          <button className="btn ghost" type="button" onClick={() => setLive(!live)}>
            <span className={`dot ${live ? '' : 'off'}`} />
            {live ? t('common.live') : t('common.paused')}
          </button>
        </form>
      </Panel>
      <ErrorNotice error={error} />
      <Panel flush>
        <DecisionTable decisions={data?.items ?? []} onOpen={(d) => void open(d)} />
        <TableState data={data} count={data?.items.length ?? 0} empty={t('decisions.none')} />
      </Panel>
      {selected && (
        <Drawer title={t('decisions.details')} onClose={() => setSelected(undefined)}>
          <DecisionDetails decision={selected} />
        </Drawer>
      )}
    </>
  );
}
