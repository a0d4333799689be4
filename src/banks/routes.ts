import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlertService } from '../alerts/service.ts';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import type { Keyring } from '../auth/keys.ts';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf, requireAdmin, requireRole } from '../platform/http.ts';
import type { ReputationIndex, Risk } from '../screening/reputation.ts';
import { parseTime } from '../screening/service.ts';
import type { ContactIndex, TrailContact } from './contacts.ts';
import type { BankService } from './service.ts';
import { type BankStore, type Incident, type IncidentCursor, incidentKinds, parseIncidentCursor } from './store.ts';

const analysts = ['admin', 'supervisor', 'analyst'] as const;
/** An incident's time may run ahead of ours by this much (clock skew), not more. */
const FUTURE_SLACK_MS = 5 * 60_000;
/** A loss is reported within this long: an older `at` is a typo (0026 for 2026), not an incident. */
const OLDEST_INCIDENT_MS = 10 * 365 * 86_400_000;
const MAX_SUSPECTS = 50;
const MAX_CUSTOMERS_PER_CALL = 100_000;
/**
 * Trails a bank is given, per 24 h of filing, for victims it has not registered among its customers.
 * DESIGN.md §3.1 gives an incident's trail to the bank whatever the victim, so an incident could be
 * filed only to read a stranger's incoming calls; a bank's losses are its own customers', whose
 * trails stay unbounded, and the trails past this bound are left to the platform's analysts.
 */
export const STRANGER_TRAILS_PER_DAY = 100;
const STRANGER_TRAIL_WINDOW_MS = 86_400_000;
/** A bank's incidents looked at to count its strangers' trails (its latest ones in the window). */
const STRANGER_TRAIL_SCAN = 20_000;

export interface BankRoutesDeps {
  store: BankStore;
  service: BankService;
  contacts: ContactIndex;
  keyring: Keyring;
  reputation: ReputationIndex;
  parse: (input: string) => number;
  alerts: Pick<AlertService, 'alertsOf'>;
  audit?: AuditLog;
  clock: () => number;
  lookbackMs: number;
}

/** The bank a key belongs to, or a 403 for any other caller. */
export function requireBank(request: FastifyRequest): string {
  const p = principalOf(request);
  if (p.kind !== 'bank') throw new AppError('FORBIDDEN', 'this call is made with a bank API key');
  return p.bankId;
}

/** A contact of an incident's trail, as `GET /v1/bank/incidents/{id}` ranks and answers it. */
export interface RankedContact extends TrailContact {
  reputation: Risk;
  suspect: boolean;
  alert?: { id: string; kind: string; status: string; score: number };
}

const verdictWeight: Record<string, number> = { block: 30, label: 20, allow: 0 };
const riskWeight: Record<Risk, number> = { high: 30, medium: 15, low: 5, unknown: 0 };
const alertWeight: Record<string, number> = { confirmed: 40, open: 25, dismissed: 0 };

/** Riskiest first: suspects, confirmed alerts, high reputation, blocked or labelled, then the latest. */
export function rankContacts(contacts: RankedContact[]): RankedContact[] {
  const score = (c: RankedContact) =>
    (c.suspect ? 100 : 0) +
    (c.alert ? (alertWeight[c.alert.status] ?? 0) : 0) +
    riskWeight[c.reputation] +
    (c.verdict ? (verdictWeight[c.verdict] ?? 0) : 0) +
    (c.reasons?.length ?? 0) * 2;
  return [...contacts].sort((x, y) => score(y) - score(x) || Date.parse(y.at) - Date.parse(x.at));
}

/**
 * The body of `POST /v1/bank/incidents`, for the OpenAPI document only: the handler checks each
 * field itself, so that a wrong one gets its own code (INVALID_NUMBER, INVALID_TIME) and a number
 * in a string is never coerced.
 */
const incidentBody = {
  type: 'object',
  required: ['incidentId', 'victim', 'at', 'kind'],
  properties: {
    incidentId: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,100}$', description: "the bank's own id" },
    victim: { type: 'string', description: 'the number of the customer who lost money' },
    at: {
      type: 'string',
      format: 'date-time',
      description: 'when the money was lost; not in the future, not more than 10 years ago',
    },
    kind: { type: 'string', enum: [...incidentKinds] },
    amount: { type: 'number', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. KZT' },
    suspectNumbers: {
      type: 'array',
      maxItems: MAX_SUSPECTS,
      items: { type: 'string' },
      description: 'numbers the bank suspects; they count as seen in the incident',
    },
  },
} as const;

/** The schema documents the body; the handler validates it (see incidentBody). */
const documentedOnly = { validatorCompiler: () => () => true };

export function registerBankRoutes(app: FastifyInstance, deps: BankRoutesDeps) {
  const { store, service } = deps;

  const audit = (request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) =>
    deps.audit?.append({ ...auditActorOf(request), action, target, details });

  const knownBank = async (id: string) => {
    if (!(await store.banks()).some((b) => b.id === id)) throw new AppError('NOT_FOUND', `no bank "${id}"`);
    return id;
  };

  app.post(
    '/v1/admin/banks',
    {
      schema: {
        summary: 'Add a bank to the antifraud exchange',
        tags: ['banks'],
        body: {
          type: 'object',
          required: ['id', 'name'],
          properties: {
            id: { type: 'string', pattern: '^[A-Z0-9_]{2,32}$' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { id: string; name: string };
      const bank = await store.createBank({ ...body, createdBy: describePrincipal(principalOf(request)) });
      if (!bank) throw new AppError('CONFLICT', `bank "${body.id}" exists`);
      await audit(request, 'bank.create', bank.id, { name: bank.name });
      return reply.status(201).send(bank);
    },
  );

  app.get('/v1/admin/banks', { schema: { summary: 'Banks of the exchange', tags: ['banks'] } }, async (request) => {
    requireRole(request, ...analysts);
    const banks = await store.banks();
    return {
      items: await Promise.all(banks.map(async (b) => ({ ...b, customers: await store.customerCount(b.id) }))),
    };
  });

  app.post(
    '/v1/admin/banks/:id/keys',
    {
      schema: {
        summary: 'Issue an API key for a bank (shown once)',
        tags: ['banks'],
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const id = await knownBank((request.params as { id: string }).id);
      const { apiKey, info } = await deps.keyring.issue(id, describePrincipal(principalOf(request)), 'bank');
      await audit(request, 'bank.key.issue', id, { keyId: info.id, prefix: info.prefix });
      return reply
        .status(201)
        .send({ apiKey, id: info.id, bankId: id, prefix: info.prefix, createdAt: info.createdAt });
    },
  );

  app.get(
    '/v1/admin/banks/:id/keys',
    {
      schema: {
        summary: "A bank's keys (never the keys themselves)",
        tags: ['banks'],
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      const id = await knownBank((request.params as { id: string }).id);
      return { items: (await deps.keyring.list(id, 'bank')).map(({ operatorId: _, ...k }) => ({ ...k, bankId: id })) };
    },
  );

  app.delete(
    '/v1/admin/banks/:id/keys/:keyId',
    {
      schema: {
        summary: "Revoke a bank's key",
        tags: ['banks'],
        response: { 204: { type: 'null', description: 'revoked (no body)' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { id, keyId } = request.params as { id: string; keyId: string };
      if (!(await deps.keyring.revoke(await knownBank(id), keyId, 'bank')))
        throw new AppError('NOT_FOUND', 'no such active key');
      await audit(request, 'bank.key.revoke', id, { keyId });
      return reply.status(204).send();
    },
  );

  const numberOf = (input: unknown, field: string): string => {
    const n = typeof input === 'string' ? service.normalise(input) : null;
    if (!n) throw new AppError('INVALID_NUMBER', `"${field}" is not a phone number`);
    return n;
  };

  app.post(
    '/v1/bank/incidents',
    {
      ...documentedOnly,
      schema: {
        summary: 'A bank reports a loss: victim, time, kind, amount and the numbers it suspects',
        description:
          'Idempotent on (bank, incidentId): the same id again answers 202 and changes nothing. ' +
          'Numbers as E.164 with or without `+`, or in the national format.',
        tags: ['banks'],
        security: [{ bearer: [] }],
        body: incidentBody,
        response: {
          202: { type: 'object', properties: { incidentId: { type: 'string' } } },
          400: {
            ...errorSchema,
            description:
              'VALIDATION_FAILED (incidentId, kind, amount, currency, suspectNumbers), INVALID_NUMBER (victim or ' +
              'a suspect), INVALID_TIME (`at` not an ISO 8601 date-time, in the future, or more than 10 years ago), ' +
              'INVALID_JSON',
          },
          403: { ...errorSchema, description: 'FORBIDDEN: incidents are filed with a bank API key' },
          '4xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const bank = requireBank(request);
      if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body))
        throw new AppError('VALIDATION_FAILED', 'the body must be a JSON object');
      const body = request.body as Record<string, unknown>;
      const incidentId = body.incidentId;
      if (typeof incidentId !== 'string' || !/^[A-Za-z0-9._:/-]{1,100}$/.test(incidentId))
        throw new AppError('VALIDATION_FAILED', '"incidentId" must be 1–100 letters, digits or ._:/-');
      const victim = numberOf(body.victim, 'victim');
      // ISO 8601 with a time, read as screening reads a call's `at` (no bare dates, no "Dec 6 2026").
      const parsedAt = parseTime(body.at, 'at');
      if (!parsedAt.ok) throw new AppError(parsedAt.code, parsedAt.message);
      const at = parsedAt.value;
      if (at > deps.clock() + FUTURE_SLACK_MS) throw new AppError('INVALID_TIME', '"at" is in the future');
      if (at < deps.clock() - OLDEST_INCIDENT_MS) throw new AppError('INVALID_TIME', '"at" is more than 10 years ago');
      if (typeof body.kind !== 'string' || !(incidentKinds as readonly string[]).includes(body.kind))
        throw new AppError('VALIDATION_FAILED', `"kind" must be one of ${incidentKinds.join(', ')}`);
      if (
        body.amount !== undefined &&
        (typeof body.amount !== 'number' || !Number.isFinite(body.amount) || body.amount < 0)
      )
        throw new AppError('VALIDATION_FAILED', '"amount" must be a number, zero or more');
      if (body.currency !== undefined && (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)))
        throw new AppError('VALIDATION_FAILED', '"currency" must be an ISO 4217 code such as KZT');
      const suspectsInput = body.suspectNumbers ?? [];
      if (!Array.isArray(suspectsInput) || suspectsInput.length > MAX_SUSPECTS)
        throw new AppError('VALIDATION_FAILED', `"suspectNumbers" must be a list of at most ${MAX_SUSPECTS} numbers`);
      const suspectNumbers = [...new Set(suspectsInput.map((s, i) => numberOf(s, `suspectNumbers[${i}]`)))];
      const { incident, created } = await store.fileIncident({
        bank,
        incidentId,
        victim,
        at: new Date(at).toISOString(),
        kind: body.kind as Incident['kind'],
        amount: body.amount as number | undefined,
        currency: body.currency as string | undefined,
        suspectNumbers,
      });
      if (created) {
        await audit(request, 'bank.incident.file', `${bank}/${incidentId}`, {
          kind: incident.kind,
          suspects: suspectNumbers.length,
          customer: (await service.customersAmong(bank, [victim])).has(victim),
        });
        await service.afterIncident(incident);
      }
      return reply.status(202).send({ incidentId });
    },
  );

  /** The incident a caller may see: a bank its own; analysts any (`?bank=` when ids collide). */
  async function visibleIncident(request: FastifyRequest): Promise<Incident> {
    const p = principalOf(request);
    const { incidentId } = request.params as { incidentId: string };
    const { bank } = request.query as { bank?: string };
    if (p.kind === 'bank') {
      const incident = await store.incident(p.bankId, incidentId);
      if (!incident) throw new AppError('NOT_FOUND', 'no such incident');
      return incident;
    }
    requireRole(request, ...analysts);
    const found = bank
      ? [await store.incident(bank, incidentId)].filter((i) => i !== null)
      : await store.incidentsById(incidentId);
    if (found.length === 0) throw new AppError('NOT_FOUND', 'no such incident');
    return found[0];
  }

  /**
   * Whether the filing bank may read this incident's trail: always for its registered customer;
   * for anyone else while the victim is among the first STRANGER_TRAILS_PER_DAY distinct strangers
   * of the bank's incidents filed in the 24 h up to this one. Anchored to the filing, the answer
   * does not open up once the burst has aged (which would let a bank file now and read tomorrow).
   */
  async function trailGate(incident: Incident): Promise<{ customer: boolean; allowed: boolean }> {
    if ((await service.customersAmong(incident.bank, [incident.victim])).has(incident.victim))
      return { customer: true, allowed: true };
    const victims = await store.victimsFiledBefore(
      incident.bank,
      incident.incidentId,
      STRANGER_TRAIL_WINDOW_MS,
      STRANGER_TRAIL_SCAN,
    );
    const customers = await service.customersAmong(incident.bank, victims);
    const strangers = new Set<string>();
    for (const v of victims) {
      if (customers.has(v)) continue;
      strangers.add(v);
      if (v === incident.victim) break;
    }
    const rank = [...strangers].indexOf(incident.victim);
    return { customer: false, allowed: rank >= 0 && rank < STRANGER_TRAILS_PER_DAY };
  }

  async function withTrail(incident: Incident) {
    const to = Date.parse(incident.at);
    const { contacts, cdrScanComplete } = await deps.contacts.trail(incident.victim, to - deps.lookbackMs, to);
    const seen = new Set([...incident.suspectNumbers, ...incident.markedSuspects]);
    const alertCache = new Map<string, RankedContact['alert'] | undefined>();
    const alertOf = async (number: string) => {
      if (alertCache.has(number)) return alertCache.get(number);
      const alerts = (await deps.alerts.alertsOf(number)).filter((a) => a.status !== 'dismissed');
      const best = alerts.sort((x, y) => (x.status === 'confirmed' ? -1 : 0) - (y.status === 'confirmed' ? -1 : 0))[0];
      const alert = best ? { id: best.id, kind: best.kind, status: best.status, score: best.score } : undefined;
      alertCache.set(number, alert);
      return alert;
    };
    const ranked: RankedContact[] = [];
    for (const c of contacts) {
      const n = deps.parse(c.number);
      const alert = n >= 0 ? await alertOf(c.number) : undefined;
      ranked.push({
        ...c,
        reputation: n >= 0 ? deps.reputation.risk(n) : 'unknown',
        suspect: seen.has(c.number),
        ...(alert ? { alert } : {}),
      });
    }
    // Alerts and other banks' incidents behind the numbers this incident names.
    const linkedAlerts = [];
    const otherBanks = new Set<string>();
    for (const number of seen) {
      const alert = await alertOf(number);
      if (alert) linkedAlerts.push({ number, ...alert });
      for (const other of await store.incidentsNaming(number))
        if (other.bank !== incident.bank) otherBanks.add(other.bank);
    }
    return {
      ...incident,
      lookbackHours: deps.lookbackMs / 3_600_000,
      contacts: rankContacts(ranked),
      cdrScanComplete,
      alerts: linkedAlerts,
      otherBanks: [...otherBanks].sort(),
    };
  }

  app.get(
    '/v1/bank/incidents/:incidentId',
    {
      schema: {
        summary: "An incident with its contact trail (the bank's own; analysts any), riskiest contact first",
        tags: ['banks'],
        querystring: { type: 'object', properties: { bank: { type: 'string' } } },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const incident = await visibleIncident(request);
      const target = `${incident.bank}/${incident.incidentId}`;
      const byBank = principalOf(request).kind === 'bank';
      // Every look at a bank's trail says whether the victim is its customer, so that the audit
      // shows a bank reading strangers' calls.
      const gate = byBank ? await trailGate(incident) : null;
      if (gate && !gate.allowed) {
        await audit(request, 'bank.incident.trail_refused', target, { victim: incident.victim, customer: false });
        throw new AppError(
          'RATE_LIMITED',
          `this bank was given the trails of ${STRANGER_TRAILS_PER_DAY} victims that are not its registered customers ` +
            'in the 24 h before this incident; the incident is filed and escalated, and its trail is left to the ' +
            "platform's analysts (register the bank's customers with PUT /v1/bank/customers)",
        );
      }
      const view = await withTrail(incident);
      await audit(request, 'bank.incident.view', target, {
        victim: incident.victim,
        contacts: view.contacts.length,
        ...(gate ? { customer: gate.customer } : {}),
      });
      // A bank learns nothing about other banks' incidents.
      if (byBank) {
        const { otherBanks: _, ...own } = view;
        return own;
      }
      return view;
    },
  );

  app.get(
    '/v1/bank/incidents',
    {
      schema: {
        summary: "Incidents, newest first (a bank's own; analysts all, by bank or number)",
        tags: ['banks'],
        querystring: {
          type: 'object',
          properties: {
            bank: { type: 'string' },
            number: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            before: { type: 'string' },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query as { bank?: string; number?: string; limit: number; before?: string };
      if (p.kind !== 'bank') requireRole(request, ...analysts);
      const bank = p.kind === 'bank' ? p.bankId : q.bank;
      const number = q.number ? numberOf(q.number, 'number') : undefined;
      let before: IncidentCursor | undefined;
      if (q.before?.startsWith('c1_')) {
        const at = parseIncidentCursor(q.before);
        if (!at) throw new AppError('VALIDATION_FAILED', '"before" is not a cursor this list gave');
        before = at;
      } else if (q.before !== undefined) {
        // A cursor from before compound cursors: a receipt time, read as it was.
        const t = parseTime(q.before, 'before');
        if (!t.ok) throw new AppError(t.code, t.message);
        before = { receivedBefore: new Date(t.value).toISOString() };
      }
      const page = await store.list({ bank, number, limit: q.limit, before });
      // The whole filter: a number asked of one bank, and the page, are part of what was looked at.
      // A bank's key reading its own incidents is a look at its customers' numbers too.
      await audit(request, 'bank.incidents.list', number ?? bank ?? '*', {
        ...(bank ? { bank } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit,
        items: page.items.length,
      });
      return page;
    },
  );

  app.post(
    '/v1/bank/incidents/:incidentId/suspects',
    {
      schema: {
        summary: 'Mark (or unmark) a contact of the trail as the suspect (the bank, or an analyst)',
        tags: ['banks'],
        querystring: { type: 'object', properties: { bank: { type: 'string' } } },
        body: {
          type: 'object',
          required: ['number'],
          properties: { number: { type: 'string' }, suspect: { type: 'boolean', default: true } },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const incident = await visibleIncident(request);
      const body = request.body as { number: string; suspect: boolean };
      const number = numberOf(body.number, 'number');
      const updated = await store.markSuspect(incident.bank, incident.incidentId, number, body.suspect);
      if (!updated) throw new AppError('NOT_FOUND', 'no such incident');
      await audit(
        request,
        body.suspect ? 'bank.incident.mark_suspect' : 'bank.incident.unmark_suspect',
        `${incident.bank}/${incident.incidentId}`,
        { number },
      );
      if (body.suspect) await service.afterIncident(updated);
      return updated;
    },
  );

  app.put(
    '/v1/bank/customers',
    {
      schema: {
        summary: "A bank's customers whose warnings it receives (kept as keyed hashes, never in plain)",
        tags: ['banks'],
        body: {
          type: 'object',
          properties: {
            add: { type: 'array', maxItems: MAX_CUSTOMERS_PER_CALL, items: { type: 'string' } },
            remove: { type: 'array', maxItems: MAX_CUSTOMERS_PER_CALL, items: { type: 'string' } },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const bank = requireBank(request);
      const body = request.body as { add?: string[]; remove?: string[] };
      const add = (body.add ?? []).map((n, i) => numberOf(n, `add[${i}]`));
      const remove = (body.remove ?? []).map((n, i) => numberOf(n, `remove[${i}]`));
      const changed = await service.updateCustomers(bank, add, remove);
      await audit(request, 'bank.customers.update', bank, changed);
      return { ...changed, customers: await store.customerCount(bank) };
    },
  );
}
