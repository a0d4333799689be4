/**
 * The monthly report of operators' duties: a CSV (one line per operator and day, then one total
 * line per operator) and a PDF (ru, kk or en) set in an embedded DejaVu Sans like the case summary,
 * with a page per operator: the month's figures, a daily chart and the overdue requests.
 */

import { startPdf } from '../platform/pdf.ts';
import { deadlineInWords } from './deadline.ts';
import type { ComplianceReport } from './service.ts';

export const reportLanguages = ['ru', 'kk', 'en'] as const;
export type ReportLanguage = (typeof reportLanguages)[number];

const words: Record<ReportLanguage, Record<string, string>> = {
  ru: {
    heading: 'Исполнение обязанностей оператором',
    month: 'Месяц',
    period: 'Период',
    generated: 'Сформировано',
    deadline: 'Срок исполнения запроса',
    suspensions: 'Запросы на приостановку SIM',
    requested: 'Запрошено',
    acked: 'Исполнено (с ответом)',
    overdue: 'Просрочено',
    late: 'Ответ после срока',
    median: 'Медиана времени ответа, ч',
    coverage: 'Охват проверкой вызовов',
    calls: 'Входящих межоператорских и международных вызовов (CDR)',
    screened: 'Из них проверено через платформу',
    share: 'Доля проверенных',
    international: 'международные',
    domestic: 'межоператорские',
    cdr: 'Своевременность CDR',
    lastUpload: 'Последняя выгрузка',
    records: 'Записей CDR за месяц (по времени вызова)',
    gaps: 'Дни без записей',
    chart: 'По дням: вызовы (столбцы) и доля проверенных (линия)',
    overdueList: 'Просроченные запросы',
    msisdn: 'Номер',
    created: 'Запрошено',
    due: 'Срок',
    hours: 'Просрочка, ч',
    listed: 'Показаны первые {shown} из {total}',
    none: 'нет',
    page: 'Стр.',
  },
  kk: {
    heading: 'Оператордың міндеттерін орындауы',
    month: 'Ай',
    period: 'Кезең',
    generated: 'Құрылған уақыты',
    deadline: 'Сұрауды орындау мерзімі',
    suspensions: 'SIM-картаны тоқтата тұру сұраулары',
    requested: 'Сұралды',
    acked: 'Жауап берілді',
    overdue: 'Мерзімі өтті',
    late: 'Мерзімнен кейін жауап',
    median: 'Жауап уақытының медианасы, сағ',
    coverage: 'Қоңырауларды тексерумен қамту',
    calls: 'Кіріс операторлараралық және халықаралық қоңыраулар (CDR)',
    screened: 'Оның ішінде платформа арқылы тексерілгені',
    share: 'Тексерілген үлесі',
    international: 'халықаралық',
    domestic: 'операторлараралық',
    cdr: 'CDR уақтылығы',
    lastUpload: 'Соңғы жүктеу',
    records: 'Айдағы CDR жазбалары (қоңырау уақыты бойынша)',
    gaps: 'Жазбасыз күндер',
    chart: 'Күндер бойынша: қоңыраулар (бағандар) және тексерілген үлесі (сызық)',
    overdueList: 'Мерзімі өткен сұраулар',
    msisdn: 'Нөмір',
    created: 'Сұралды',
    due: 'Мерзім',
    hours: 'Кешігу, сағ',
    listed: '{total} ішінен алғашқы {shown} көрсетілген',
    none: 'жоқ',
    page: 'Бет',
  },
  en: {
    heading: "Operator's duties",
    month: 'Month',
    period: 'Period',
    generated: 'Generated',
    deadline: 'Deadline of a request',
    suspensions: 'SIM suspension requests',
    requested: 'Requested',
    acked: 'Acknowledged',
    overdue: 'Overdue',
    late: 'Acknowledged late',
    median: 'Median time to acknowledge, h',
    coverage: 'Screening coverage',
    calls: 'Incoming inter-operator and international calls (CDRs)',
    screened: 'Of which asked about (verify)',
    share: 'Screened share',
    international: 'international',
    domestic: 'inter-operator',
    cdr: 'CDR timeliness',
    lastUpload: 'Last upload',
    records: 'CDRs in the month (by call time)',
    gaps: 'Days without CDRs',
    chart: 'By day: calls (bars) and screened share (line)',
    overdueList: 'Overdue requests',
    msisdn: 'Number',
    created: 'Requested',
    due: 'Deadline',
    hours: 'Overdue, h',
    listed: 'The first {shown} of {total} shown',
    none: 'none',
    page: 'Page',
  },
};

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const hours = (v: number | null) => (v === null ? '—' : v.toFixed(2));

/** A CSV cell: quoted when it holds a separator, a quote or a line break; formulas defused. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (/^[=+\-@]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One line per operator and day, then a line per operator for the whole period (day "total"). */
export function reportCsv(report: ComplianceReport): string {
  const header = [
    'operator',
    'day',
    'requested',
    'acked',
    'overdue',
    'late_acks',
    'median_hours_to_ack',
    'calls',
    'screened',
    'screened_share',
    'calls_international',
    'screened_international',
    'calls_domestic',
    'screened_domestic',
    'cdr_records',
    'last_upload_at',
  ];
  const lines = [header.join(',')];
  for (const row of report.operators) {
    for (const d of row.series)
      lines.push(
        [
          row.operator,
          d.day,
          d.requested,
          '',
          '',
          '',
          '',
          d.calls,
          d.screened,
          d.screenedShare,
          '',
          '',
          '',
          '',
          d.records,
          '',
        ]
          .map(cell)
          .join(','),
      );
    const s = row.suspensions;
    const r = row.verify.byRoute;
    lines.push(
      [
        row.operator,
        'total',
        s.requested,
        s.acked,
        s.overdue,
        s.lateAcks,
        s.medianHoursToAck,
        row.verify.calls,
        row.verify.screened,
        row.verify.screenedShare,
        r.international.calls,
        r.international.screened,
        r.domestic.calls,
        r.domestic.screened,
        row.cdr.records,
        row.cdr.lastUploadAt,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The PDF: a page (or more) per operator. */
export async function reportPdf(report: ComplianceReport, language: ReportLanguage, month: string): Promise<Buffer> {
  const w = words[language];
  const pdf = startPdf({ Title: `${w.heading} ${month}`, Subject: month });
  const { doc, done, regular, bold, left, width, bottom } = pdf;
  const heading = (text: string) => pdf.heading(text, { fontSize: 12, room: 60 });
  const pair = (k: string, v: string) => {
    if (doc.y + 16 > bottom()) doc.addPage();
    const y = doc.y;
    doc
      .font(regular)
      .fontSize(9.5)
      .fillColor('#5a6b82')
      .text(k, left, y, { width: width * 0.62 });
    const after = doc.y;
    doc
      .font(bold)
      .fillColor('#1b1f24')
      .text(v, left + width * 0.64, y, { width: width * 0.36 });
    doc.x = left;
    doc.y = Math.max(after, doc.y) + 2;
  };

  report.operators.forEach((row, index) => {
    if (index > 0) doc.addPage();
    doc.font(bold).fontSize(9).fillColor('#5a6b82').text(`callshield · ${w.heading}`, left, doc.y, { width });
    doc.moveDown(0.3).font(bold).fontSize(18).fillColor('#10233f').text(`${row.name} (${row.operator})`, { width });
    doc.moveDown(0.3);
    pair(w.month, month);
    pair(w.period, `${report.from} — ${report.to}`);
    pair(w.generated, report.generatedAt.replace('T', ' ').slice(0, 16) + ' UTC');
    pair(w.deadline, deadlineInWords(report.deadline, language));

    heading(w.suspensions);
    const s = row.suspensions;
    pair(w.requested, String(s.requested));
    pair(w.acked, String(s.acked));
    pair(w.overdue, String(s.overdue));
    pair(w.late, String(s.lateAcks));
    pair(w.median, hours(s.medianHoursToAck));

    heading(w.coverage);
    pair(w.calls, String(row.verify.calls));
    pair(w.screened, String(row.verify.screened));
    pair(w.share, percent(row.verify.screenedShare));
    for (const route of ['international', 'domestic'] as const) {
      const r = row.verify.byRoute[route];
      pair(`  ${w.share}: ${w[route]}`, `${percent(r.screenedShare)} (${r.screened} / ${r.calls})`);
    }

    heading(w.cdr);
    pair(w.lastUpload, row.cdr.lastUploadAt ? `${row.cdr.lastUploadAt.replace('T', ' ').slice(0, 16)} UTC` : w.none);
    pair(w.records, String(row.cdr.records));
    pair(
      w.gaps,
      row.cdr.gaps.length === 0
        ? w.none
        : row.cdr.gaps.map((g) => (g.from === g.to ? g.from : `${g.from} — ${g.to}`)).join(', '),
    );

    // Daily chart: bars of calls, a line of the screened share.
    heading(w.chart);
    const chartHeight = 110;
    if (doc.y + chartHeight + 20 > bottom()) doc.addPage();
    const top = doc.y;
    const days = row.series;
    const maxCalls = Math.max(1, ...days.map((d) => d.calls));
    const step = width / Math.max(1, days.length);
    doc.rect(left, top, width, chartHeight).lineWidth(0.4).strokeColor('#d3dae4').stroke();
    days.forEach((d, i) => {
      const h = (d.calls / maxCalls) * (chartHeight - 10);
      if (h > 0) doc.rect(left + i * step + step * 0.15, top + chartHeight - h, step * 0.7, h).fill('#9fb6d6');
    });
    let started = false;
    days.forEach((d, i) => {
      if (d.screenedShare === null) return;
      const x = left + i * step + step / 2;
      const y = top + chartHeight - d.screenedShare * (chartHeight - 10);
      if (!started) doc.moveTo(x, y);
      else doc.lineTo(x, y);
      started = true;
    });
    if (started) doc.lineWidth(1.2).strokeColor('#c0392b').stroke();
    doc.font(regular).fontSize(7).fillColor('#5a6b82');
    if (days.length > 0) {
      doc.text(days[0].day, left, top + chartHeight + 3, { width: 80 });
      doc.text(days[days.length - 1].day, left + width - 80, top + chartHeight + 3, { width: 80, align: 'right' });
    }
    doc.x = left;
    doc.y = top + chartHeight + 16;

    heading(w.overdueList);
    if (row.overdueRequests.length === 0) doc.font(regular).fontSize(9.5).text(w.none, left, doc.y, { width });
    else {
      const cols = [0.3, 0.25, 0.25, 0.2].map((f) => f * width);
      const titles = [w.msisdn, w.created, w.due, w.hours];
      const line = (cells: string[], isHeader: boolean) => {
        if (doc.y + 16 > bottom()) doc.addPage();
        const y = doc.y;
        let x = left;
        doc
          .font(isHeader ? bold : regular)
          .fontSize(8.5)
          .fillColor('#1b1f24');
        cells.forEach((c, i) => {
          doc.text(c, x + 2, y + 2, { width: cols[i] - 4, lineBreak: false });
          x += cols[i];
        });
        doc.x = left;
        doc.y = y + 14;
      };
      line(titles, true);
      for (const r of row.overdueRequests)
        line(
          [
            r.msisdn,
            r.createdAt.replace('T', ' ').slice(0, 16),
            r.deadline.replace('T', ' ').slice(0, 16),
            r.hoursOverdue.toFixed(1),
          ],
          false,
        );
      // The list holds the most overdue of them (OVERDUE_LIST_LIMIT): say so rather than let it pass for all.
      if (row.suspensions.overdue > row.overdueRequests.length)
        doc
          .font(regular)
          .fontSize(8.5)
          .fillColor('#5a6b82')
          .text(
            w.listed
              .replace('{shown}', String(row.overdueRequests.length))
              .replace('{total}', String(row.suspensions.overdue)),
            left,
            doc.y + 2,
            { width },
          );
    }
  });

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(regular)
      .fontSize(7.5)
      .fillColor('#5a6b82')
      .text(`${w.page} ${i + 1} / ${range.count}`, left + width - 80, doc.page.height - 34, {
        width: 80,
        align: 'right',
      });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}
