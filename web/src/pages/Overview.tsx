import { api } from '../api/client.ts';
import type { Figures, Stats } from '../api/types.ts';
import { TimeChart } from '../components/Chart.tsx';
import { usePoll } from '../components/hooks.ts';
import { Bars, ErrorNotice, Panel } from '../components/ui.tsx';
import { startOfPlatformDay, startOfPlatformYear } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { reasonLabel } from '../messages.ts';

// "Today" and "this year" are the platform's (Almaty), as the server cuts its days, not the browser's.
const startOfToday = (): string => startOfPlatformDay(Date.now()).toISOString();
const startOfYear = (): string => startOfPlatformYear(Date.now()).toISOString();

/** The last 24 hours hour by hour, hours without calls as zeros (the API returns only busy hours). */
function hourly(stats: Stats | undefined): (Figures & { t: string })[] {
  if (!stats) return [];
  const byHour = new Map(stats.series.map((p) => [new Date(p.t).getTime(), p]));
  const hour = 3_600_000;
  const last = Math.floor(Date.now() / hour) * hour;
  const out: (Figures & { t: string })[] = [];
  for (let t = last - 23 * hour; t <= last; t += hour) {
    out.push(
      byHour.get(t) ?? { t: new Date(t).toISOString(), screened: 0, allowed: 0, labelled: 0, blocked: 0, shadow: 0 },
    );
  }
  return out;
}

function Period({
  id,
  title,
  figures,
  from,
  sms,
}: {
  id: string;
  title: string;
  figures?: Figures;
  from?: string;
  /** The figures count messages, not calls. */
  sms?: boolean;
}) {
  const { t, number } = useI18n();
  const value = (n: number | undefined) => (n === undefined ? '—' : number(n));
  return (
    <Panel>
      <div className="period" data-period={id} data-from={from ?? ''}>
        <h3>{title}</h3>
        <div className="figures">
          <div className="figure">
            <div className="value" data-figure="screened">
              {value(figures?.screened)}
            </div>
            <div className="name">{t(sms ? 'overview.smsScreened' : 'overview.screened')}</div>
          </div>
          <div className="figure block">
            <div className="value" data-figure="blocked">
              {value(figures?.blocked)}
            </div>
            <div className="name">{t('overview.blocked')}</div>
          </div>
          <div className="figure label">
            <div className="value" data-figure="labelled">
              {value(figures?.labelled)}
            </div>
            <div className="name">{t('overview.labelled')}</div>
          </div>
        </div>
      </div>
    </Panel>
  );
}

export function OverviewPage() {
  const { t, dateTime, time, language, calendarDay } = useI18n();
  const today = startOfToday();
  const year = startOfYear();
  const { data, error, updatedAt } = usePoll(
    async () => {
      const [day, thisYear, last24] = await Promise.all([
        api.stats({ from: today }),
        api.stats({ from: year, groupBy: 'day' }),
        api.stats({}),
      ]);
      return { day, thisYear, last24 };
    },
    [today, year],
    5000,
  );
  const day: Stats | undefined = data?.day;
  const reasons = Object.entries(day?.byReason ?? {})
    .map(([code, value]) => ({ id: code, name: reasonLabel(code, language), title: code, value }))
    .sort((a, b) => b.value - a.value);
  const operators = Object.entries(day?.byOperator ?? {})
    .map(([name, f]) => ({ name, value: f.screened }))
    .sort((a, b) => b.value - a.value);
  const series = hourly(data?.last24);
  // Warnings per day (older servers answer 404: the panel then stays empty).
  const { data: warnings } = usePoll(() => api.warningsDaily(14).catch(() => ({ items: [] })), [], 60_000);
  return (
    <>
      <ErrorNotice error={error} />
      <div className="grid cols-3">
        <Period id="today" title={t('overview.today')} figures={day?.totals} from={today} />
        <Period id="year" title={t('overview.year')} figures={data?.thisYear.totals} from={year} />
        <Period id="launch" title={t('overview.sinceLaunch')} figures={day?.sinceLaunch} />
      </div>
      <div className="grid cols-3">
        <Period
          id="sms-today"
          sms
          title={`${t('overview.sms')} · ${t('overview.today')}`}
          figures={day?.messages?.totals}
        />
        <Period
          id="sms-year"
          sms
          title={`${t('overview.sms')} · ${t('overview.year')}`}
          figures={data?.thisYear.messages?.totals}
        />
        <Period
          id="sms-launch"
          sms
          title={`${t('overview.sms')} · ${t('overview.sinceLaunch')}`}
          figures={day?.sinceLaunch.messages}
        />
      </div>
      <Panel
        title={t('overview.series')}
        actions={
          <span className="muted" style={{ fontSize: 12 }}>
            <span className="dot" />
            {t('common.live')}
            {updatedAt ? ` · ${t('common.updated')} ${time(updatedAt.toISOString())}` : ''}
            {day?.sinceLaunch.launchedAt ? ` · ${t('overview.launched')} ${dateTime(day.sinceLaunch.launchedAt)}` : ''}
          </span>
        }
      >
        <TimeChart
          label={t('overview.series')}
          times={series.map((p) => p.t)}
          series={[
            { name: t('overview.screened'), color: '#1f4e8c', values: series.map((p) => p.screened) },
            { name: t('overview.labelled'), color: '#a35c00', values: series.map((p) => p.labelled) },
            { name: t('overview.blocked'), color: '#c62f3a', values: series.map((p) => p.blocked) },
          ]}
        />
      </Panel>
      <div className="grid cols-2">
        <Panel title={`${t('overview.byReason')} · ${t('overview.today')}`}>
          <Bars items={reasons} tone="block" loading={!day} />
        </Panel>
        <Panel title={`${t('overview.byOperator')} · ${t('overview.today')}`}>
          <Bars items={operators} loading={!day} />
        </Panel>
      </div>
      <Panel title={t('overview.warnings')}>
        <Bars items={(warnings?.items ?? []).map((d) => ({ id: d.day, name: calendarDay(d.day), value: d.events }))} />
      </Panel>
    </>
  );
}
