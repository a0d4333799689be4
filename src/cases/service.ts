/**
 * Cases: create (by hand, or from an alert, a farm/device or an identifier, pulling in everything
 * connected to it), read within the reader's operator scope, move through the workflow, add
 * items, notes and seized items. Every change is a timeline event (store.ts); the routes put every
 * action in the audit log.
 */

import { alertDigest } from '../alerts/digest.ts';
import { AppError } from '../errors.ts';
import { formatNumber, MALFORMED } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import {
  type Citation,
  type CitationCheck,
  checkCitation,
  citationKey,
  incidentDigest,
  platformUpdates,
  recordedDigests,
  reportDigest,
} from './citations.ts';
import { type Graph, linkGraph } from './graph.ts';
import type { AlertRecord, CaseSources, Identifiers, IncidentRecord, RelationFilter } from './sources.ts';
import type { CaseStore, NewItem, StoredEvent } from './store.ts';
import type {
  CaseDetail,
  CaseItem,
  CaseScope,
  CaseStatus,
  CaseSummary,
  ItemType,
  SeizedItem,
  SeizedKind,
  TimelineEvent,
} from './types.ts';
import { canTransition, transitions } from './workflow.ts';

/** Items one "create from" pulls in at most: a farm of a few hundred SIMs, not a whole city. */
const MAX_PULLED_ITEMS = 600;

export interface ItemInput {
  type: ItemType;
  value: string;
  note?: string;
  /** For an ICCID, whose SIM it is (nothing in the CDRs says so). */
  operator?: string;
}

export type CreateFrom =
  | { alertId: string }
  | { device: string }
  | { number: string }
  | { imsi: string }
  | { imei: string };

/** One contact of an incident's trail, as the export lists it (src/banks computes the trail). */
export interface IncidentTrailContact {
  number: string;
  at: string;
  channel: string;
  verdict?: string;
  reasons?: string[];
  reputation?: string;
  suspect: boolean;
  source: string[];
}

/** The contact trail of an incident: calls and messages the victim received before the loss. */
export type IncidentTrails = (incident: IncidentRecord) => Promise<IncidentTrailContact[]>;

/** Whether an operator-scoped reader sees something that concerns these operators. */
const visibleTo = (scope: CaseScope, operators: string[] | null) =>
  scope.operator === undefined || operators === null || operators.includes(scope.operator);

export function createCaseService(deps: {
  store: CaseStore;
  sources: CaseSources;
  plan: NumberingPlan;
  ownerOf: (e164: number) => string | null;
}) {
  const { store, sources, plan } = deps;
  /** Set by the banks module once it exists (the trail lives in its contact index). */
  let trails: IncidentTrails | undefined;

  function normaliseNumber(input: string): string {
    const parsed = plan.parse(input);
    if (parsed === MALFORMED) throw new AppError('INVALID_NUMBER', `not a telephone number: ${input.slice(0, 40)}`);
    return formatNumber(parsed);
  }

  function normaliseItem(item: ItemInput): ItemInput {
    const value = item.value.trim();
    if (item.type === 'number') return { ...item, value: normaliseNumber(value) };
    if (item.type === 'imsi' && !/^\d{6,15}$/.test(value)) throw new AppError('BAD_REQUEST', 'an IMSI is 6–15 digits');
    if (item.type === 'imei' && !/^\d{14,16}$/.test(value))
      throw new AppError('BAD_REQUEST', 'an IMEI is 14–16 digits');
    if (item.type === 'iccid' && !/^\d{18,22}F?$/i.test(value))
      throw new AppError('BAD_REQUEST', 'an ICCID is 18–22 digits');
    if (item.type === 'incident' && !/^[^/\s]+\/\S+$/.test(value))
      throw new AppError('BAD_REQUEST', 'an incident is named <bank>/<incidentId>');
    if (!value) throw new AppError('BAD_REQUEST', 'an item needs a value');
    return { ...item, value };
  }

  const ownerOfNumber = (number: string): string | null => {
    const parsed = plan.parse(number);
    return parsed === MALFORMED ? null : deps.ownerOf(parsed);
  };

  /**
   * Whose records each item belongs to (number owners, operators whose CDRs show it, alert readers),
   * and the content digest of each cited alert, report and incident as read now (citations.ts).
   */
  async function withOperators(items: ItemInput[]): Promise<{ items: NewItem[]; digests: Map<string, string> }> {
    const ids: Identifiers = { numbers: [], imsis: [], imeis: [], cells: [] };
    for (const i of items) {
      if (i.type === 'number') ids.numbers.push(i.value);
      else if (i.type === 'imsi') ids.imsis.push(i.value);
      else if (i.type === 'imei') ids.imeis.push(i.value);
      else if (i.type === 'cell') ids.cells.push(i.value);
    }
    const seenBy = new Map<string, Set<string>>();
    const mark = (key: string, operator: string) => {
      if (!operator) return;
      const set = seenBy.get(key) ?? new Set<string>();
      set.add(operator);
      seenBy.set(key, set);
    };
    const wanted = new Set(items.map((i) => `${i.type}:${i.value}`));
    for (const r of await sources.relations(ids, {}, 50_000)) {
      for (const key of [`number:${r.msisdn}`, `imsi:${r.imsi}`, `imei:${r.imei}`, `cell:${r.cell}`])
        if (wanted.has(key)) mark(key, r.operator);
    }
    const alerts = new Map(
      (await sources.alertsById(items.filter((i) => i.type === 'alert').map((i) => i.value))).map((a) => [a.id, a]),
    );
    const reports = new Map(
      (await sources.reportsById(items.filter((i) => i.type === 'report').map((i) => i.value))).map((r) => [r.id, r]),
    );
    const incidents = new Map(
      (await sources.incidentsByKey(items.filter((i) => i.type === 'incident').map((i) => i.value))).map((r) => [
        r.key,
        r,
      ]),
    );
    const digests = new Map<string, string>();
    for (const a of alerts.values()) digests.set(citationKey('alert', a.id), alertDigest(a));
    for (const r of reports.values()) digests.set(citationKey('report', r.id), reportDigest(r));
    for (const r of incidents.values()) digests.set(citationKey('incident', r.key), incidentDigest(r));
    const resolved = items.map((i) => {
      const key = `${i.type}:${i.value}`;
      if (i.type === 'incident') {
        const incident = incidents.get(i.value);
        if (!incident) throw new AppError('NOT_FOUND', `no incident ${i.value}`);
        // The victim's operator, and the operators of the suspects' numbers.
        for (const n of [incident.victim, ...incident.suspects]) {
          const owner = ownerOfNumber(n);
          if (owner) mark(key, owner);
        }
      }
      if (i.type === 'alert') {
        const alert = alerts.get(i.value);
        if (!alert) throw new AppError('NOT_FOUND', `no alert ${i.value}`);
        for (const o of alert.operators) mark(key, o);
      } else if (i.type === 'report') {
        const report = reports.get(i.value);
        if (!report) throw new AppError('NOT_FOUND', `no report ${i.value}`);
        const owner = ownerOfNumber(report.number);
        if (owner) mark(key, owner);
      } else if (i.type === 'number') {
        const owner = ownerOfNumber(i.value);
        if (owner) mark(key, owner);
      }
      if (i.operator) mark(key, i.operator);
      return { type: i.type, value: i.value, note: i.note ?? null, operators: [...(seenBy.get(key) ?? [])].sort() };
    });
    return { items: resolved, digests };
  }

  /** The digests of the cited records among the items an addition actually put in the case. */
  const citationsOf = (fresh: NewItem[], digests: Map<string, string>): Citation[] =>
    fresh.flatMap((i) => {
      const sha256 = digests.get(citationKey(i.type, i.value));
      return sha256 && (i.type === 'alert' || i.type === 'report' || i.type === 'incident')
        ? [{ type: i.type, value: i.value, sha256 }]
        : [];
    });

  /**
   * Everything connected to a seed: the alerts' numbers, SIMs and devices; every SIM and number
   * seen in those devices (a SIM-box's other SIMs); their cells; other alerts on them; reports
   * about the numbers.
   */
  async function connected(seed: { alerts: AlertRecord[]; numbers: string[]; imsis: string[]; imeis: string[] }) {
    const items = new Map<string, ItemInput>();
    const add = (type: ItemType, value: string | null | undefined) => {
      if (!value || items.size >= MAX_PULLED_ITEMS) return;
      const key = `${type}:${value}`;
      if (!items.has(key)) items.set(key, { type, value });
    };
    const numbers = new Set(seed.numbers);
    const imsis = new Set(seed.imsis);
    const imeis = new Set(seed.imeis);
    for (const a of seed.alerts) {
      numbers.add(a.msisdn);
      if (a.imsi) imsis.add(a.imsi);
      if (a.imei) imeis.add(a.imei);
    }
    const cells = new Set<string>();
    const first = await sources.relations(
      { numbers: [...numbers], imsis: [...imsis], imeis: [...imeis], cells: [] },
      {},
    );
    for (const r of first) {
      numbers.add(r.msisdn);
      if (r.imsi) imsis.add(r.imsi);
      if (r.imei) imeis.add(r.imei);
      if (r.cell) cells.add(r.cell);
    }
    // Second hop through the devices only: the other SIMs that sat in the same boxes.
    const second = await sources.relations({ numbers: [], imsis: [], imeis: [...imeis], cells: [] }, {});
    for (const r of second) {
      numbers.add(r.msisdn);
      if (r.imsi) imsis.add(r.imsi);
      if (r.cell) cells.add(r.cell);
    }
    const alerts = [...seed.alerts, ...(await sources.alertsAbout([...numbers], [...imeis]))];
    for (const a of alerts) add('alert', a.id);
    for (const n of numbers) add('number', n);
    for (const s of imsis) add('imsi', s);
    for (const d of imeis) add('imei', d);
    for (const c of cells) add('cell', c);
    for (const r of await sources.reportsAbout([...numbers])) add('report', r.id);
    return [...items.values()];
  }

  async function seedOf(from: CreateFrom, scope: CaseScope) {
    if ('alertId' in from) {
      const alerts = await sources.alertsById([from.alertId], scope.operator);
      if (alerts.length === 0) throw new AppError('NOT_FOUND', `no alert ${from.alertId}`);
      return { alerts, numbers: [], imsis: [], imeis: [] };
    }
    if ('device' in from) {
      const alerts = await sources.alertsOfDevice(from.device, scope.operator);
      if (alerts.length === 0) throw new AppError('NOT_FOUND', `no alerts of device ${from.device}`);
      return { alerts, numbers: [], imsis: [], imeis: [] };
    }
    if ('number' in from) return { alerts: [], numbers: [normaliseNumber(from.number)], imsis: [], imeis: [] };
    if ('imsi' in from) return { alerts: [], numbers: [], imsis: [from.imsi], imeis: [] };
    return { alerts: [], numbers: [], imsis: [], imeis: [from.imei] };
  }

  /** The case, when this reader may see it; a 404 otherwise (an operator learns nothing of other cases). */
  async function readable(id: string, scope: CaseScope) {
    const c = await store.get(id);
    if (!c || (scope.operator !== undefined && !(await store.touchesOperator(id, scope.operator))))
      throw new AppError('NOT_FOUND', `no case ${id}`);
    return c;
  }

  const eventView = ({ operators: _operators, ...e }: StoredEvent): TimelineEvent => e;

  async function detail(id: string, scope: CaseScope): Promise<CaseDetail> {
    const c = await readable(id, scope);
    const [items, seized, timeline] = await Promise.all([store.items(id), store.seized(id), store.timeline(id)]);
    const shownItems = items.filter((i) => visibleTo(scope, i.operators));
    const shownSeized = seized.filter((s) => visibleTo(scope, s.operators));
    const shownEvents = timeline.filter((e) => visibleTo(scope, e.operators));
    return {
      ...c,
      items: shownItems.length,
      caseItems: shownItems,
      seized: shownSeized,
      timeline: shownEvents.map(eventView),
      hidden:
        items.length -
        shownItems.length +
        (seized.length - shownSeized.length) +
        (timeline.length - shownEvents.length),
      nextStatuses: [...transitions[c.status]],
    };
  }

  /** Start identifiers of a case's graph: its numbers, SIMs and devices the reader may see. */
  function seedsOf(items: CaseItem[], alerts: AlertRecord[]) {
    const start: { type: 'number' | 'imsi' | 'imei'; value: string }[] = [];
    for (const i of items)
      if (i.type === 'number' || i.type === 'imsi' || i.type === 'imei') start.push({ type: i.type, value: i.value });
    for (const a of alerts) start.push({ type: 'number', value: a.msisdn });
    const seen = new Set<string>();
    return start.filter((s) => !seen.has(`${s.type}:${s.value}`) && seen.add(`${s.type}:${s.value}`));
  }

  async function graphFrom(
    start: { type: 'number' | 'imsi' | 'imei' | 'cell'; value: string }[],
    filter: RelationFilter,
    bounds: { depth: number; maxNodes: number },
  ): Promise<Graph> {
    return linkGraph(
      { start, depth: bounds.depth, maxNodes: bounds.maxNodes },
      {
        relations: (ids) => sources.relations(ids, filter),
        alerts: (numbers) => sources.alertsAbout(numbers, [], filter.operator),
      },
    );
  }

  return {
    normaliseNumber,
    detail,

    /** Where the export finds incidents' contact trails (the banks module calls this). */
    setIncidentTrails(fn: IncidentTrails): void {
      trails = fn;
    },
    readable,

    /** Cases the reader may see, optionally only those holding an alert (one alert, one case). */
    list(scope: CaseScope, status?: CaseStatus, alertId?: string): Promise<CaseSummary[]> {
      return store.list({ status, operator: scope.operator, alertId, limit: 500 });
    },

    async create(
      input: { title: string; summary?: string; assignee?: string; externalRef?: string; from?: CreateFrom },
      actor: string,
      scope: CaseScope,
    ): Promise<{ id: string; pulled: number; source: string | null; citations: Citation[] }> {
      const pulled = input.from ? await connected(await seedOf(input.from, scope)) : [];
      // Resolved before the case exists, so a bad seed leaves no empty case behind.
      const { items, digests } = await withOperators(pulled);
      const id = await store.create(input, actor);
      const source = input.from ? Object.entries(input.from)[0].join(' ') : null;
      const fresh = await store.addItems(id, items, actor, source);
      return { id, pulled: items.length, source, citations: citationsOf(fresh, digests) };
    },

    async update(
      id: string,
      patch: Partial<{ title: string; summary: string | null; assignee: string | null; externalRef: string | null }>,
      actor: string,
      base?: Partial<Record<string, string | null>>,
    ): Promise<void> {
      await readable(id, { operator: undefined });
      const { conflicts } = await store.update(id, patch, actor, base);
      if (conflicts.length > 0)
        throw new AppError('CONFLICT', `changed meanwhile by someone else: ${conflicts.join(', ')}; reload the case`);
    },

    async transition(id: string, to: CaseStatus, reason: string | null, actor: string): Promise<void> {
      const c = await readable(id, { operator: undefined });
      if (!canTransition(c.status, to)) {
        throw new AppError(
          'INVALID_TRANSITION',
          `a case in status ${c.status} cannot move to ${to}; allowed: ${transitions[c.status].join(', ') || 'none'}`,
        );
      }
      if (!(await store.transition(id, c.status, to, reason, actor)))
        throw new AppError('CONFLICT', 'the case changed status meanwhile; reload it');
    },

    async note(id: string, text: string, shared: boolean, actor: string, scope: CaseScope): Promise<void> {
      await readable(id, scope);
      // An operator analyst's note concerns their operator; a national note stays national unless shared.
      const operators = scope.operator !== undefined ? [scope.operator] : shared ? null : [];
      await store.note(id, text, operators, actor);
    },

    /**
     * Adds items; answers them with the digests of the records newly cited, which the caller must
     * put in the audit log (an item already in the case is not cited again).
     */
    async addItems(
      id: string,
      input: ItemInput[],
      actor: string,
    ): Promise<{ items: CaseItem[]; citations: Citation[] }> {
      await readable(id, { operator: undefined });
      const { items, digests } = await withOperators(input.map(normaliseItem));
      const fresh = await store.addItems(id, items, actor, 'manual');
      const added = new Set(items.map((i) => `${i.type}:${i.value}`));
      return {
        items: (await store.items(id)).filter((i) => added.has(`${i.type}:${i.value}`)),
        citations: citationsOf(fresh, digests),
      };
    },

    async removeItem(id: string, type: ItemType, value: string, actor: string): Promise<void> {
      await readable(id, { operator: undefined });
      const normalised = type === 'number' ? normaliseNumber(value) : value;
      if (!(await store.removeItem(id, type, normalised, actor)))
        throw new AppError('NOT_FOUND', `the case has no ${type} ${value}`);
    },

    async addSeized(
      id: string,
      s: {
        kind: SeizedKind;
        identifier?: string;
        description?: string;
        seizedAt: string;
        place: string;
        operator?: string;
      },
      actor: string,
    ): Promise<SeizedItem> {
      await readable(id, { operator: undefined });
      if (Number.isNaN(Date.parse(s.seizedAt))) throw new AppError('INVALID_TIME', 'seizedAt is not an ISO 8601 time');
      let operators = s.operator ? [s.operator] : [];
      // A seized device or SIM whose IMEI/IMSI the CDRs know belongs to the operators that saw it.
      if (!s.operator && s.identifier && /^\d{14,16}$/.test(s.identifier)) {
        const rows = await sources.relations(
          { numbers: [], imsis: [s.identifier], imeis: [s.identifier], cells: [] },
          {},
          1000,
        );
        operators = [...new Set(rows.map((r) => r.operator))].sort();
      }
      const seizedId = await store.addSeized(id, s, operators, actor);
      const found = (await store.seized(id)).find((x) => x.id === seizedId);
      if (!found) throw new Error('seized item vanished');
      return found;
    },

    /** The link graph around one identifier. */
    graph(
      start: { type: 'number' | 'imsi' | 'imei' | 'cell'; value: string },
      filter: RelationFilter,
      bounds: { depth: number; maxNodes: number },
    ): Promise<Graph> {
      const value = start.type === 'number' ? normaliseNumber(start.value) : start.value.trim();
      return graphFrom([{ type: start.type, value }], filter, bounds);
    },

    /** The link graph around a case's identifiers, within the reader's scope. */
    async caseGraph(id: string, filter: RelationFilter, bounds: { depth: number; maxNodes: number }, scope: CaseScope) {
      const d = await detail(id, scope);
      const alerts = await sources.alertsById(
        d.caseItems.filter((i) => i.type === 'alert').map((i) => i.value),
        scope.operator,
      );
      const start = seedsOf(d.caseItems, alerts);
      const graph = await graphFrom(start, { ...filter, operator: scope.operator }, bounds);
      return { case: d, graph };
    },

    /** Everything the export needs, cut to the reader's scope. */
    async evidence(id: string, scope: CaseScope) {
      const d = await detail(id, scope);
      const of = (type: ItemType) => d.caseItems.filter((i) => i.type === type).map((i) => i.value);
      const alerts = await sources.alertsById(of('alert'), scope.operator);
      const ids: Identifiers = { numbers: of('number'), imsis: of('imsi'), imeis: of('imei'), cells: [] };
      const relations = await sources.relations(ids, { operator: scope.operator }, 100_000);
      const reports = (await sources.reportsById(of('report'))).filter((r) =>
        scope.operator === undefined ? true : ownerOfNumber(r.number) === scope.operator,
      );
      const cells = await sources.cells(of('cell'));
      const incidents: (IncidentRecord & { contacts: IncidentTrailContact[] })[] = [];
      for (const incident of await sources.incidentsByKey(of('incident'))) {
        const contacts = trails ? await trails(incident) : [];
        // The trail is the victim's incoming traffic: whole for the victim's operator, otherwise
        // only the contacts that are the reader's own subscribers (a suspect's operator sees its part).
        const whole = scope.operator === undefined || ownerOfNumber(incident.victim) === scope.operator;
        incidents.push({
          ...incident,
          contacts: whole ? contacts : contacts.filter((c) => ownerOfNumber(c.number) === scope.operator),
        });
      }
      const activity = await sources.activity(ids, scope.operator);
      const graph = await graphFrom(
        seedsOf(d.caseItems, alerts),
        { operator: scope.operator },
        { depth: 2, maxNodes: 150 },
      );
      // Each cited record as it is now, against its digest in the audit entry that cited it.
      // An alert detection rewrote since is expected as the latest platform update recorded it.
      const recorded = recordedDigests(await sources.citationEntries(id));
      const updates = platformUpdates(await sources.alertUpdateEntries(alerts.map((a) => a.id)));
      const citations = new Map<string, CitationCheck>();
      const check = (type: 'alert' | 'report' | 'incident', value: string, digestNow: string) =>
        citations.set(
          citationKey(type, value),
          checkCitation(type, value, digestNow, recorded, type === 'alert' ? updates.get(value) : undefined),
        );
      for (const a of alerts) check('alert', a.id, alertDigest(a));
      for (const r of reports) check('report', r.id, reportDigest(r));
      for (const i of incidents) check('incident', i.key, incidentDigest(i));
      return { detail: d, alerts, relations, reports, cells, incidents, activity, graph, citations };
    },

    async recordExport(id: string, actor: string, details: Record<string, unknown>): Promise<void> {
      await store.record(id, actor, { kind: 'exported', details });
    },
  };
}

export type CaseService = ReturnType<typeof createCaseService>;
export type CaseEvidence = Awaited<ReturnType<CaseService['evidence']>>;
