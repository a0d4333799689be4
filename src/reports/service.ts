/**
 * Citizens' reports and the reputation they feed. Reports arrive anonymously from the public page
 * or through trusted channels with the reporter's verified number; each new report recomputes the
 * reporter-weighted, decaying reputation of its number, which screening reads (REPORTED_CLI at
 * "high" only). Reports never block a number: an analyst or a detector does.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { BrandCatalogue, LinkCheck } from '../links/check.ts';
import { checkLink, hasWebScheme, trimPastedLink } from '../links/check.ts';
import type { ListService } from '../lists/service.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { subnetOf } from '../platform/client-network.ts';
import type { Sql } from '../platform/sql.ts';
import type { ListView } from '../screening/engine.ts';
import type { Language } from '../screening/labels.ts';
import type { ReputationIndex, Risk } from '../screening/reputation.ts';
import { createReportFriction } from './friction.ts';
import { type Corroboration, reputationScore, riskOf } from './reputation.ts';
import { numberRisk } from './risk.ts';
import { createPhishingList, type createReportStore, reportCategories, reportChannels } from './store.ts';

const DAY = 86_400_000;
/** Reports older than this no longer count at all (they have decayed to almost nothing). */
const REPORT_HORIZON_DAYS = 90;
const CLEARED_DAYS = 30;

export interface ReportInput {
  number?: unknown;
  channel?: unknown;
  category?: unknown;
  text?: unknown;
  url?: unknown;
  at?: unknown;
  reporterNumber?: unknown;
}

/** SMS sender IDs as the public pages see them (src/sms): reports about them, and checks of them. */
export interface SenderIdLookup {
  isSenderId(text: string): boolean;
  /** The public answer about a sender ID, or null when the text is none; `reported` is its reports' risk. */
  answer(text: string, language: Language, reported: Risk): { number: string; risk: Risk; label?: string } | null;
}

/**
 * Where a report came from. A web reporter is its subnet (see friction.ts): never its User-Agent,
 * which the sender chooses, so one machine cannot pass for four reporters.
 */
export type ReportSource = { kind: 'web'; ip: string } | { kind: 'channel'; channelId: string };

const publicLabels: Record<'SUSPECTED_FRAUD' | 'DOES_NOT_CALL' | 'REPORTED', Record<Language, string>> = {
  SUSPECTED_FRAUD: { ru: 'Подозрение на мошенничество', kk: 'Алаяқтық күдігі', en: 'Suspected fraud' },
  DOES_NOT_CALL: {
    ru: 'С этого номера не звонят: звонок с него — мошенничество',
    kk: 'Бұл нөмірден қоңырау шалынбайды: одан келген қоңырау — алаяқтық',
    en: 'This number never calls out: a call from it is fraud',
  },
  REPORTED: { ru: 'Есть жалобы граждан', kk: 'Азаматтардың шағымдары бар', en: 'Reported by citizens' },
};
const verifiedWord: Record<Language, string> = {
  ru: 'проверенный номер',
  kk: 'тексерілген нөмір',
  en: 'verified number',
};

export interface ReportServiceDeps {
  sql: Sql;
  plan: NumberingPlan;
  store: ReturnType<typeof createReportStore>;
  reputation: ReputationIndex;
  lists: ListService;
  views: { blocklist: ListView; dno: ListView; allowlist: ListView };
  brands: BrandCatalogue;
  clock: () => number;
  /** Evidence from screening and detection about a number. */
  corroborate: (number: string) => Promise<Corroboration>;
  /** Proof-of-work friction for bursts of web reports. */
  proof: { reportsBeforeProof: number; bits: number };
  senderIds?: SenderIdLookup;
}

export async function createReportService(deps: ReportServiceDeps) {
  const { store, plan, clock } = deps;
  const phishing = await createPhishingList(deps.sql);
  // A per-installation secret: reporter keys can be compared but not turned back into IPs or numbers.
  await deps.sql.query(
    `insert into platform_settings (key, value) values ('reporter_salt', $1) on conflict (key) do nothing`,
    [randomBytes(32).toString('hex')],
  );
  const salt = (
    await deps.sql.query<{ value: string }>("select value from platform_settings where key = 'reporter_salt'")
  ).rows[0].value;
  const reporterKey = (kind: string, id: string) =>
    `${kind}:${createHmac('sha256', salt).update(id).digest('hex').slice(0, 32)}`;
  const friction = createReportFriction({
    secret: createHmac('sha256', salt).update('report-proof-of-work').digest('hex'),
    clock,
    reportsBeforeProof: deps.proof.reportsBeforeProof,
    bits: deps.proof.bits,
  });

  const scores = new Map<string, number>();
  /** Reports' risk of SMS sender IDs (numbers' risk is in the reputation index). */
  const senderRisks = new Map<string, Risk>();

  async function refresh(number: string): Promise<Risk> {
    const now = clock();
    const n = plan.parse(number);
    const cleared = await store.clearedUntil(number);
    let risk: Risk = 'unknown';
    let score = 0;
    if (!cleared || cleared.getTime() <= now) {
      const reports = await store.forScore(number, new Date(now - REPORT_HORIZON_DAYS * DAY));
      const histories = await store.histories([...new Set(reports.map((r) => r.reporterKey))]);
      const corroboration = reports.length ? await deps.corroborate(number) : { alerts: 0, suspiciousDecisions: 0 };
      score = reputationScore(reports, (k) => histories.get(k), corroboration, now);
      risk = riskOf(score);
    }
    if (score > 0) scores.set(number, score);
    else scores.delete(number);
    if (n >= 0) deps.reputation.set(n, risk);
    else if (risk === 'unknown') senderRisks.delete(number.toLowerCase());
    else senderRisks.set(number.toLowerCase(), risk);
    return risk;
  }

  function validate(input: ReportInput, requireReporter: boolean) {
    const channel = input.channel;
    if (typeof channel !== 'string' || !(reportChannels as readonly string[]).includes(channel)) {
      throw new AppError('VALIDATION_FAILED', `"channel" must be one of ${reportChannels.join(', ')}`);
    }
    const category = input.category;
    if (typeof category !== 'string' || !(reportCategories as readonly string[]).includes(category)) {
      throw new AppError('VALIDATION_FAILED', `"category" must be one of ${reportCategories.join(', ')}`);
    }
    let number: string | null = null;
    if (input.number !== undefined && input.number !== null && input.number !== '') {
      if (typeof input.number !== 'string') throw new AppError('VALIDATION_FAILED', '"number" must be a string');
      // A number of our own country code with a digit too few or too many is a typo, refused rather
      // than kept as a number of its own in the reputation.
      const n = plan.parsePossible(input.number);
      // Fraudsters also write from messenger accounts and short names; numbers that parse are kept as E.164.
      // An SMS may come from an alphanumeric sender ID or a short code, kept as written.
      if (n < 0 && channel === 'sms' && deps.senderIds?.isSenderId(input.number)) number = input.number;
      else if (n < 0) throw new AppError('INVALID_NUMBER', '"number" is not a phone number');
      else number = formatNumber(n);
    }
    let url: string | undefined;
    if (input.url !== undefined && input.url !== null && input.url !== '') {
      if (typeof input.url !== 'string' || input.url.length > 2048)
        throw new AppError('VALIDATION_FAILED', '"url" must be a link of at most 2048 characters');
      url = trimPastedLink(input.url) || undefined;
      // Analysts open reported links: a javascript:, data: or other non-web link never reaches them.
      if (url && !hasWebScheme(url))
        throw new AppError('UNSUPPORTED_URL_SCHEME', '"url" must be an http or https link');
    }
    if (!number && !url) throw new AppError('VALIDATION_FAILED', 'a report needs a "number" or a "url"');
    let text: string | undefined;
    if (input.text !== undefined && input.text !== null) {
      if (typeof input.text !== 'string' || input.text.length > 2000)
        throw new AppError('VALIDATION_FAILED', '"text" must be at most 2000 characters');
      text = input.text;
    }
    let at = new Date(clock());
    if (input.at !== undefined && input.at !== null && input.at !== '') {
      const t = typeof input.at === 'string' ? Date.parse(input.at) : Number.NaN;
      if (Number.isNaN(t)) throw new AppError('INVALID_TIME', '"at" must be an ISO 8601 date-time');
      if (t > clock() + 5 * 60_000) throw new AppError('VALIDATION_FAILED', '"at" is in the future');
      // A report about a call months ago still counts, but never earlier than its horizon.
      at = new Date(Math.max(t, clock() - REPORT_HORIZON_DAYS * DAY));
    }
    let reporterNumber: string | undefined;
    if (requireReporter) {
      const r = typeof input.reporterNumber === 'string' ? plan.parsePossible(input.reporterNumber) : -1;
      if (r < 0)
        throw new AppError('VALIDATION_FAILED', '"reporterNumber" (the verified number of the reporter) is required');
      reporterNumber = formatNumber(r);
    }
    return { number, channel, category, text, url, at, reporterNumber };
  }

  const periodic = setInterval(() => void refreshAll().catch(() => {}), 3_600_000);
  periodic.unref();
  async function refreshAll(): Promise<number> {
    const numbers = await store.reportedNumbers(new Date(clock() - REPORT_HORIZON_DAYS * DAY));
    for (const n of numbers) await refresh(n);
    return numbers.length;
  }
  await refreshAll();

  return {
    phishing,
    friction,
    refresh,
    refreshAll,
    scoreOf: (number: string) => scores.get(number) ?? 0,

    async submit(input: ReportInput, source: ReportSource): Promise<{ reportId: string }> {
      const v = validate(input, source.kind === 'channel');
      const reportId = `rep_${randomBytes(9).toString('base64url')}`;
      await store.insert({
        id: reportId,
        number: v.number,
        channel: v.channel,
        category: v.category,
        text: v.text,
        url: v.url,
        at: v.at,
        source: source.kind === 'web' ? 'web' : source.channelId,
        reporterKey:
          source.kind === 'web'
            ? reporterKey('web-subnet', subnetOf(source.ip))
            : reporterKey('number', v.reporterNumber!),
        reporterNumber: v.reporterNumber,
        verified: source.kind === 'channel',
      });
      if (v.number) await refresh(v.number);
      return { reportId };
    },

    /** What a citizen may learn about a number: a risk and a label, nothing personal. */
    publicNumber(input: string, language: Language): { number: string; risk: Risk; label?: string } {
      const n = plan.parsePossible(input);
      if (n < 0) {
        const sender = deps.senderIds?.answer(input, language, senderRisks.get(input.toLowerCase()) ?? 'unknown');
        if (sender) return sender;
        throw new AppError('INVALID_NUMBER', 'not a phone number');
      }
      const number = formatNumber(n);
      const r = numberRisk(n, deps, clock());
      if (r.reason === 'DOES_NOT_CALL') return { number, risk: r.risk, label: publicLabels.DOES_NOT_CALL[language] };
      if (r.reason === 'BLOCKLISTED' || r.reason === 'REPORTED_HIGH')
        return { number, risk: r.risk, label: publicLabels.SUSPECTED_FRAUD[language] };
      if (r.reason === 'VERIFIED')
        return { number, risk: r.risk, label: `${r.displayName} (${verifiedWord[language]})` };
      if (r.reason === 'REPORTED') return { number, risk: r.risk, label: publicLabels.REPORTED[language] };
      return { number, risk: r.risk };
    },

    /** The one risk of a number, for the console (the public page's answer, without a label). */
    risk(n: number): Risk {
      return numberRisk(n, deps, clock()).risk;
    },

    checkLink(pasted: string): LinkCheck {
      const url = trimPastedLink(pasted);
      if (!hasWebScheme(url)) throw new AppError('UNSUPPORTED_URL_SCHEME', '"url" must be an http or https link');
      const result = checkLink(url, deps.brands, phishing.has);
      if (!result) throw new AppError('VALIDATION_FAILED', '"url" is not a web link');
      return result;
    },

    /** An analyst's decision on the open reports about a number. */
    async decide(
      number: string,
      decision: 'confirm' | 'reject',
      actor: string,
      options: { reason: string; block?: boolean },
    ) {
      const n = plan.parse(number);
      if (n < 0) throw new AppError('INVALID_NUMBER', 'not a phone number');
      const e164 = formatNumber(n);
      const reporters = await store.decide(e164, decision === 'confirm' ? 'confirmed' : 'rejected', actor);
      if (decision === 'reject') await store.clear(e164, actor, new Date(clock() + CLEARED_DAYS * DAY));
      if (decision === 'confirm' && options.block) {
        await deps.lists.add(
          'blocklist',
          [{ number: e164, reason: `citizen reports confirmed: ${options.reason}` }],
          actor,
          'reports',
        );
      }
      const risk = await refresh(e164);
      return {
        number: e164,
        decided: reporters.length,
        risk,
        blocked: decision === 'confirm' && Boolean(options.block),
      };
    },

    close() {
      clearInterval(periodic);
      friction.close();
    },
  };
}

export type ReportService = Awaited<ReturnType<typeof createReportService>>;
