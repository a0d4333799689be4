/**
 * The analyst's language for texts the server keeps as codes or machine sentences: audit actions
 * (`admin.operators.keys.post`), actors (`user:admin`), blocklist reasons written by detection
 * ("detection alert alr_…: fraud caller (score 1)"), case titles made from an alert kind
 * ("simbox +7776…"). Ids become links. Texts are plain data per language below; the type makes
 * every language carry every text.
 */
import type { ReactNode } from 'react';
import { Link } from './components/router.tsx';
import { useI18n } from './i18n.tsx';
import { type SpeakKey, speakMessages } from './speak-messages.ts';

/** An alert id as a link to its panel on the Alerts page. */
export function AlertLink({ id }: { id: string }) {
  return (
    <Link to={`/alerts?id=${encodeURIComponent(id)}`} className="mono">
      {id}
    </Link>
  );
}

/** Where one bank incident opens: its panel on the Incidents page. */
export function incidentPath(bank: string, incidentId: string): string {
  return `/incidents?bank=${encodeURIComponent(bank)}&id=${encodeURIComponent(incidentId)}`;
}

/**
 * A bank incident as a link to its panel on the Incidents page, shown as `bank/id` (the case
 * item's value) unless told otherwise.
 */
export function IncidentLink({
  bank,
  incidentId,
  children,
}: {
  bank: string;
  incidentId: string;
  children?: ReactNode;
}) {
  return (
    <Link to={incidentPath(bank, incidentId)} className="mono">
      {children ?? `${bank}/${incidentId}`}
    </Link>
  );
}

/** `user:admin` → `admin`; other principals (`operator:KCELL`, `system`) stay as they are. */
export function actorName(actor: string | null | undefined): string {
  if (!actor) return '—';
  return actor.startsWith('user:') ? actor.slice(5) : actor;
}

const alertIdPattern = /\balr_[\w-]+/g;

export function useSpeak() {
  const { language, score } = useI18n();
  const dictionary = speakMessages[language];
  const s = (key: SpeakKey) => dictionary[key];
  const has = (key: string): key is SpeakKey => key in dictionary;

  /** A code-like kind (`simbox`, `fraud_caller`) in words. */
  const kindName = (kind: string) => (has(`kind.${kind}`) ? s(`kind.${kind}` as SpeakKey) : kind);

  /** An audit action in words: a known action's name, or the resource with a verb, or the code. */
  const actionName = (action: string): string => {
    if (has(`action.${action}`)) return s(`action.${action}` as SpeakKey);
    return action;
  };

  /** Case titles the console made from an alert ("simbox +7776…"): the kind in words. */
  const caseTitle = (title: string): string => {
    const match = /^(simbox|fraud_caller|wangiri)(\s.*)$/.exec(title);
    return match ? `${kindName(match[1])}${match[2]}` : title;
  };

  /** Text with every alert id turned into a link to the alert. */
  const withAlertLinks = (text: string): ReactNode[] => {
    const parts: ReactNode[] = [];
    let last = 0;
    for (const m of text.matchAll(alertIdPattern)) {
      parts.push(text.slice(last, m.index));
      parts.push(<AlertLink key={`${m.index}`} id={m[0]} />);
      last = (m.index ?? 0) + m[0].length;
    }
    parts.push(text.slice(last));
    return parts;
  };

  /**
   * A list entry's reason: the sentences the platform itself writes (detection, confirmed citizen
   * reports) in words with the alert as a link and the score as the Alerts page writes it; a
   * person's own reason stays as they wrote it.
   */
  const listReason = (reason: string): ReactNode => {
    const detection = /^detection alert (alr_[\w-]+): (.+) \(score ([\d.]+)\)$/.exec(reason);
    if (detection)
      return (
        <>
          {s('detectionAlert')} <AlertLink id={detection[1]} />: {kindName(detection[2])} ({s('score')}{' '}
          {score(Number(detection[3]))})
        </>
      );
    const citizens = /^citizen reports confirmed: (.*)$/.exec(reason);
    if (citizens) return `${s('citizenReportsConfirmed')}: ${citizens[1]}`;
    const sim = /^(SIM-box \(interconnect bypass\)|fraud call-centre) SIM, alert (alr_[\w-]+)$/.exec(reason);
    if (sim)
      return (
        <>
          {sim[1] === 'fraud call-centre' ? s('callCentreSim') : s('simboxSim')}, {s('alert')} <AlertLink id={sim[2]} />
        </>
      );
    const device = /^SIM-box device, alert (alr_[\w-]+)$/.exec(reason);
    if (device)
      return (
        <>
          {s('simboxDevice')}, {s('alert')} <AlertLink id={device[1]} />
        </>
      );
    return withAlertLinks(reason);
  };

  /** Where a case's items came from (`alertId alr_…`, `device …`) in words, ids as links. */
  const itemSource = (source: string): ReactNode => {
    const [kind, ...rest] = source.split(' ');
    const value = rest.join(' ');
    if (!value || !has(`timeline.${kind}`)) return withAlertLinks(source);
    return (
      <>
        {s('timeline.pulledFrom')} {s(`timeline.${kind}` as SpeakKey)}{' '}
        {kind === 'alertId' ? <AlertLink id={value} /> : <span className="mono">{value}</span>}
      </>
    );
  };

  return { s, kindName, actionName, caseTitle, listReason, itemSource, withAlertLinks, actorName };
}
