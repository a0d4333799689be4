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
import type { Language } from './messages.ts';

const en = {
  'kind.simbox': 'SIM-box',
  'kind.fraud_caller': 'Fraud caller',
  'kind.fraud caller': 'Fraud caller',
  'kind.wangiri': 'Wangiri',
  detectionAlert: 'Detection alert',
  score: 'score',
  citizenReportsConfirmed: 'Citizen reports confirmed',
  simboxSim: 'SIM-box SIM (interconnect bypass)',
  callCentreSim: 'Fraud call-centre SIM',
  simboxDevice: 'SIM-box device',
  alert: 'alert',
  'verb.post': 'created',
  'verb.put': 'replaced',
  'verb.patch': 'changed',
  'verb.delete': 'removed',
  'action.admin.operators.post': 'Operator added',
  'action.admin.operators.patch': 'Operator changed',
  'action.admin.operators.keys.post': 'API key issued',
  'action.admin.operators.keys.delete': 'API key revoked',
  'action.admin.mnp.put': 'Ported number recorded',
  'action.admin.mnp.delete': 'Ported number removed',
  'action.admin.mnp.import.post': 'Ported numbers imported',
  'action.admin.report-channels.post': 'Report channel added',
  'action.admin.stir.rotate.post': 'Signing keys rotated',
  'action.admin.stir.certificates.revoke.post': 'Certificate revoked',
  'action.admin.stir.operators.certificates.post': 'Certificate issued',
  'action.cases.post': 'Case opened',
  'action.cases.patch': 'Case changed',
  'action.cases.items.post': 'Items added to a case',
  'action.cases.items.delete': 'Item removed from a case',
  'action.cases.notes.post': 'Case note added',
  'action.cases.transition.post': 'Case status changed',
  'action.cases.seized.post': 'Seizure recorded',
  'action.case.view': 'Case viewed',
  'action.case.graph': 'Case link graph viewed',
  'action.case.export': 'Case evidence exported',
  'action.links.graph': 'Link analysis',
  'action.cells.put': 'Cell locations imported',
  'action.cdr.post': 'CDRs uploaded',
  'action.detection.run.post': 'Detection run',
  'action.lists.entries.post': 'List entry added',
  'action.lists.entries.delete': 'List entry removed',
  'action.lists.import.post': 'List imported',
  'action.links.phishing.post': 'Phishing link added',
  'action.alerts.confirm.post': 'Alert confirmed',
  'action.alerts.dismiss.post': 'Alert dismissed',
  'action.alert.auto_confirm': 'Alert confirmed automatically',
  'action.reports.numbers.confirm.post': 'Citizen reports confirmed',
  'action.reports.numbers.reject.post': 'Citizen reports rejected',
  'action.reports.queue': 'Report queue viewed',
  'action.reports.read': 'Reports about a number read',
  'action.sim-suspensions.ack.post': 'SIM suspension acknowledged',
  'action.roaming.put': 'Roaming recorded',
  'action.console.users.post': 'User created',
  'action.console.users.patch': 'User changed',
  'action.console.users.reset-password.post': 'Password reset',
  'action.console.password.post': 'Password changed',
  'action.user.create': 'User created',
  'action.user.update': 'User changed',
  'action.user.login': 'Logged in',
  'action.user.login.failed': 'Failed log-in',
  'action.user.login.throttled': 'Log-in throttled',
  'action.user.logout': 'Logged out',
  'action.user.password.change': 'Password changed',
  'action.user.password.reset': 'Password reset',
  'action.audit.browse': 'Audit log viewed',
  'action.audit.export': 'Audit log exported',
  'action.audit.verify': 'Audit chain verified',
  'action.decision.view': 'Decision viewed',
  'action.number.lookup': 'Number looked up',
  'action.number.lookup.denied': 'Number lookup refused',
  'action.mnp.read': 'Ported number read',
  'action.cdr.quarantine.read': 'Quarantined CDRs read',
  'action.compliance.report': 'Compliance report',
  'action.campaigns.browse': 'Campaigns viewed',
  'timeline.pulledFrom': 'pulled in from',
  'timeline.alertId': 'alert',
  'timeline.device': 'device',
  'timeline.number': 'number',
  'timeline.imsi': 'SIM (IMSI)',
  'timeline.imei': 'device (IMEI)',
};

export type SpeakKey = keyof typeof en;

const ru: Record<SpeakKey, string> = {
  'kind.simbox': 'SIM-бокс',
  'kind.fraud_caller': 'Мошеннический абонент',
  'kind.fraud caller': 'Мошеннический абонент',
  'kind.wangiri': 'Вангири',
  detectionAlert: 'Оповещение обнаружения',
  score: 'оценка',
  citizenReportsConfirmed: 'Жалобы граждан подтверждены',
  simboxSim: 'SIM SIM-бокса (обход межсетевого соединения)',
  callCentreSim: 'SIM мошеннического колл-центра',
  simboxDevice: 'Устройство SIM-бокса',
  alert: 'оповещение',
  'verb.post': 'создано',
  'verb.put': 'заменено',
  'verb.patch': 'изменено',
  'verb.delete': 'удалено',
  'action.admin.operators.post': 'Добавлен оператор',
  'action.admin.operators.patch': 'Изменён оператор',
  'action.admin.operators.keys.post': 'Выдан API-ключ',
  'action.admin.operators.keys.delete': 'Отозван API-ключ',
  'action.admin.mnp.put': 'Записан перенесённый номер',
  'action.admin.mnp.delete': 'Удалён перенесённый номер',
  'action.admin.mnp.import.post': 'Импортированы перенесённые номера',
  'action.admin.report-channels.post': 'Добавлен канал жалоб',
  'action.admin.stir.rotate.post': 'Сменены ключи подписи',
  'action.admin.stir.certificates.revoke.post': 'Отозван сертификат',
  'action.admin.stir.operators.certificates.post': 'Выдан сертификат',
  'action.cases.post': 'Открыто дело',
  'action.cases.patch': 'Изменено дело',
  'action.cases.items.post': 'В дело добавлены объекты',
  'action.cases.items.delete': 'Из дела удалён объект',
  'action.cases.notes.post': 'Добавлена заметка к делу',
  'action.cases.transition.post': 'Изменён статус дела',
  'action.cases.seized.post': 'Записано изъятие',
  'action.case.view': 'Просмотр дела',
  'action.case.graph': 'Просмотр графа связей дела',
  'action.case.export': 'Выгрузка доказательств дела',
  'action.links.graph': 'Анализ связей',
  'action.cells.put': 'Импортированы координаты сот',
  'action.cdr.post': 'Загружены CDR',
  'action.detection.run.post': 'Запуск обнаружения',
  'action.lists.entries.post': 'Добавлена запись списка',
  'action.lists.entries.delete': 'Удалена запись списка',
  'action.lists.import.post': 'Импортирован список',
  'action.links.phishing.post': 'Добавлена фишинговая ссылка',
  'action.alerts.confirm.post': 'Оповещение подтверждено',
  'action.alerts.dismiss.post': 'Оповещение отклонено',
  'action.alert.auto_confirm': 'Оповещение подтверждено автоматически',
  'action.reports.numbers.confirm.post': 'Жалобы граждан подтверждены',
  'action.reports.numbers.reject.post': 'Жалобы граждан отклонены',
  'action.reports.queue': 'Просмотр очереди жалоб',
  'action.reports.read': 'Прочитаны жалобы о номере',
  'action.sim-suspensions.ack.post': 'Блокировка SIM подтверждена оператором',
  'action.roaming.put': 'Записан роуминг',
  'action.console.users.post': 'Создан пользователь',
  'action.console.users.patch': 'Изменён пользователь',
  'action.console.users.reset-password.post': 'Сброшен пароль',
  'action.console.password.post': 'Изменён пароль',
  'action.user.create': 'Создан пользователь',
  'action.user.update': 'Изменён пользователь',
  'action.user.login': 'Вход',
  'action.user.login.failed': 'Неудачный вход',
  'action.user.login.throttled': 'Вход временно ограничен',
  'action.user.logout': 'Выход',
  'action.user.password.change': 'Изменён пароль',
  'action.user.password.reset': 'Сброшен пароль',
  'action.audit.browse': 'Просмотр журнала аудита',
  'action.audit.export': 'Выгрузка журнала аудита',
  'action.audit.verify': 'Проверка цепочки аудита',
  'action.decision.view': 'Просмотр решения',
  'action.number.lookup': 'Проверка номера',
  'action.number.lookup.denied': 'Отказ в проверке номера',
  'action.mnp.read': 'Просмотр переноса номера',
  'action.cdr.quarantine.read': 'Просмотр CDR в карантине',
  'action.compliance.report': 'Отчёт об исполнении',
  'action.campaigns.browse': 'Просмотр кампаний',
  'timeline.pulledFrom': 'подтянуто из',
  'timeline.alertId': 'оповещения',
  'timeline.device': 'устройства',
  'timeline.number': 'номера',
  'timeline.imsi': 'SIM (IMSI)',
  'timeline.imei': 'устройства (IMEI)',
};

const kk: Record<SpeakKey, string> = {
  'kind.simbox': 'SIM-бокс',
  'kind.fraud_caller': 'Алаяқ абонент',
  'kind.fraud caller': 'Алаяқ абонент',
  'kind.wangiri': 'Вангири',
  detectionAlert: 'Анықтау ескертуі',
  score: 'баға',
  citizenReportsConfirmed: 'Азаматтардың шағымдары расталды',
  simboxSim: 'SIM-бокс SIM-картасы (желіаралық қосылымды айналып өту)',
  callCentreSim: 'Алаяқ колл-орталықтың SIM-картасы',
  simboxDevice: 'SIM-бокс құрылғысы',
  alert: 'ескерту',
  'verb.post': 'жасалды',
  'verb.put': 'ауыстырылды',
  'verb.patch': 'өзгертілді',
  'verb.delete': 'жойылды',
  'action.admin.operators.post': 'Оператор қосылды',
  'action.admin.operators.patch': 'Оператор өзгертілді',
  'action.admin.operators.keys.post': 'API кілті берілді',
  'action.admin.operators.keys.delete': 'API кілті кері қайтарылды',
  'action.admin.mnp.put': 'Көшірілген нөмір жазылды',
  'action.admin.mnp.delete': 'Көшірілген нөмір жойылды',
  'action.admin.mnp.import.post': 'Көшірілген нөмірлер импортталды',
  'action.admin.report-channels.post': 'Шағым арнасы қосылды',
  'action.admin.stir.rotate.post': 'Қолтаңба кілттері ауыстырылды',
  'action.admin.stir.certificates.revoke.post': 'Сертификат кері қайтарылды',
  'action.admin.stir.operators.certificates.post': 'Сертификат берілді',
  'action.cases.post': 'Іс ашылды',
  'action.cases.patch': 'Іс өзгертілді',
  'action.cases.items.post': 'Іске нысандар қосылды',
  'action.cases.items.delete': 'Істен нысан жойылды',
  'action.cases.notes.post': 'Іске жазба қосылды',
  'action.cases.transition.post': 'Іс мәртебесі өзгертілді',
  'action.cases.seized.post': 'Алып қою жазылды',
  'action.case.view': 'Іс қаралды',
  'action.case.graph': 'Істің байланыс графы қаралды',
  'action.case.export': 'Іс дәлелдері экспортталды',
  'action.links.graph': 'Байланыстарды талдау',
  'action.cells.put': 'Ұяшық координаттары импортталды',
  'action.cdr.post': 'CDR жүктелді',
  'action.detection.run.post': 'Анықтау іске қосылды',
  'action.lists.entries.post': 'Тізімге жазба қосылды',
  'action.lists.entries.delete': 'Тізімнен жазба жойылды',
  'action.lists.import.post': 'Тізім импортталды',
  'action.links.phishing.post': 'Фишинг сілтемесі қосылды',
  'action.alerts.confirm.post': 'Ескерту расталды',
  'action.alerts.dismiss.post': 'Ескерту қабылданбады',
  'action.alert.auto_confirm': 'Ескерту автоматты түрде расталды',
  'action.reports.numbers.confirm.post': 'Азаматтардың шағымдары расталды',
  'action.reports.numbers.reject.post': 'Азаматтардың шағымдары қабылданбады',
  'action.reports.queue': 'Шағымдар кезегі қаралды',
  'action.reports.read': 'Нөмір туралы шағымдар оқылды',
  'action.sim-suspensions.ack.post': 'SIM бұғаттауын оператор растады',
  'action.roaming.put': 'Роуминг жазылды',
  'action.console.users.post': 'Пайдаланушы құрылды',
  'action.console.users.patch': 'Пайдаланушы өзгертілді',
  'action.console.users.reset-password.post': 'Құпиясөз қалпына келтірілді',
  'action.console.password.post': 'Құпиясөз өзгертілді',
  'action.user.create': 'Пайдаланушы құрылды',
  'action.user.update': 'Пайдаланушы өзгертілді',
  'action.user.login': 'Кіру',
  'action.user.login.failed': 'Сәтсіз кіру',
  'action.user.login.throttled': 'Кіру уақытша шектелді',
  'action.user.logout': 'Шығу',
  'action.user.password.change': 'Құпиясөз өзгертілді',
  'action.user.password.reset': 'Құпиясөз қалпына келтірілді',
  'action.audit.browse': 'Аудит журналы қаралды',
  'action.audit.export': 'Аудит журналы экспортталды',
  'action.audit.verify': 'Аудит тізбегі тексерілді',
  'action.decision.view': 'Шешім қаралды',
  'action.number.lookup': 'Нөмір тексерілді',
  'action.number.lookup.denied': 'Нөмірді тексеруден бас тартылды',
  'action.mnp.read': 'Нөмір көшіру қаралды',
  'action.cdr.quarantine.read': 'Карантиндегі CDR қаралды',
  'action.compliance.report': 'Орындау есебі',
  'action.campaigns.browse': 'Науқандар қаралды',
  'timeline.pulledFrom': 'мынадан алынды:',
  'timeline.alertId': 'ескерту',
  'timeline.device': 'құрылғы',
  'timeline.number': 'нөмір',
  'timeline.imsi': 'SIM (IMSI)',
  'timeline.imei': 'құрылғы (IMEI)',
};

export const speakMessages: Record<Language, Record<SpeakKey, string>> = { en, ru, kk };

/** An alert id as a link to its panel on the Alerts page. */
export function AlertLink({ id }: { id: string }) {
  return (
    <Link to={`/alerts?id=${encodeURIComponent(id)}`} className="mono">
      {id}
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
  const { language } = useI18n();
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
   * reports) in words with the alert as a link; a person's own reason stays as they wrote it.
   */
  const listReason = (reason: string): ReactNode => {
    const detection = /^detection alert (alr_[\w-]+): (.+) \(score ([\d.]+)\)$/.exec(reason);
    if (detection)
      return (
        <>
          {s('detectionAlert')} <AlertLink id={detection[1]} />: {kindName(detection[2])} ({s('score')} {detection[3]})
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
