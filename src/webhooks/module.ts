/**
 * Webhooks of operators and banks (DESIGN.md §3.1): subscriptions, a publisher that queues an
 * event for every live subscription of its recipients, and the delivery worker. Secrets are kept
 * AES-256-GCM encrypted; URLs pass the outbound guard when subscribed and again at every connect.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf } from '../platform/http.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { OutboundGuard } from '../platform/outbound.ts';
import type { Sql } from '../platform/sql.ts';
import { createDeliveryWorker, deliverySettings, refusalForOwner } from './delivery.ts';
import type { SecretKeys } from './secret-key.ts';
import { createWebhookStore, type StoredWebhook, type WebhookOwner } from './store.ts';

export const webhookEvents = ['potential_victim'] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

/** The JSON body of an event, as POSTed. */
export interface EventBody {
  id: string;
  event: WebhookEvent;
  msisdn: string;
  number: string;
  at: string;
  reasons: string[];
}

const ownerKey = (o: WebhookOwner) => `${o.kind}:${o.id}`;

/** The operator or bank a key belongs to; any other caller gets a 403. */
function ownerOf(request: FastifyRequest): WebhookOwner {
  const p = principalOf(request);
  if (p.kind === 'operator') return { kind: 'operator', id: p.operatorId };
  if (p.kind === 'bank') return { kind: 'bank', id: p.bankId };
  throw new AppError('FORBIDDEN', 'webhooks belong to an operator or a bank: call with its API key');
}

const webhookSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string' },
    event: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    nextAt: { ...nullableString, description: 'when the next attempt is due (pending deliveries only)' },
    lastStatus: { type: ['integer', 'null'], description: 'HTTP status of the last attempt' },
    lastError: nullableString,
    createdAt: { type: 'string' },
    deliveredAt: nullableString,
  },
} as const;

/** Webhooks are an operator's or a bank's: its API key, never a console session or the admin token. */
const ownerSecurity = [{ bearer: [] }];
const notOwner = {
  ...errorSchema,
  description: 'FORBIDDEN: not an operator or bank API key (webhooks belong to an operator or a bank)',
} as const;
const unknownWebhook = {
  ...errorSchema,
  description: 'NOT_FOUND: no such webhook, or one of another operator or bank (answered alike)',
} as const;

/**
 * Live webhooks an owner (an operator, a bank) may hold: each event goes to every one of them, so
 * a key that subscribed without end would multiply every delivery (and the work of the delivery
 * worker) by as many.
 */
export const MAX_WEBHOOKS_PER_OWNER = 20;

export async function createWebhooks(deps: {
  sql: Sql;
  keys: SecretKeys;
  guard: OutboundGuard;
  clock: () => number;
  metrics: Metrics;
  audit?: AuditLog;
  /** Whether this process sends deliveries (any node may; each delivery is claimed by one). */
  deliver: boolean;
  /** Embedded mode: leases left by a killed previous run are released at start. */
  singleNode: boolean;
  log: { warn(details: object, message: string): void; error(details: object, message: string): void };
}) {
  const store = createWebhookStore(deps.sql);
  const byOwner = new Map<string, StoredWebhook[]>();
  const secrets = new Map<string, string>();
  async function reload(): Promise<void> {
    const all = await store.active();
    byOwner.clear();
    for (const w of all) {
      const key = ownerKey(w.owner);
      const list = byOwner.get(key) ?? [];
      list.push(w);
      byOwner.set(key, list);
    }
  }
  await reload();
  // Other nodes add and delete subscriptions too: re-read them now and then.
  const reloader = setInterval(() => void reload().catch(() => {}), 30_000);
  reloader.unref();

  const queued = deps.metrics.counter('callshield_webhook_events_total', 'Webhook deliveries queued', ['event']);
  const delivered = deps.metrics.counter('callshield_webhook_deliveries_total', 'Webhook deliveries that got a 2xx');
  let deliveredCount = 0;

  async function target(webhookId: string) {
    let hook: StoredWebhook | null | undefined;
    for (const list of byOwner.values()) {
      hook = list.find((w) => w.id === webhookId);
      if (hook) break;
    }
    hook ??= await store.get(webhookId);
    if (!hook) return null;
    let secret = secrets.get(hook.id);
    if (secret === undefined) {
      secret = deps.keys.decrypt(hook.secretEnc);
      secrets.set(hook.id, secret);
    }
    return { url: hook.url, secret };
  }

  const worker = deps.deliver
    ? createDeliveryWorker({
        store,
        guard: deps.guard,
        target,
        clock: deps.clock,
        onError: (error, what) => deps.log.warn({ err: error }, `${what} failed`),
        onDelivered(count) {
          deliveredCount += count;
          delivered.inc(count);
        },
      })
    : null;
  if (worker) {
    if (deps.singleNode) await store.releaseLeases();
    worker.start();
  }

  return {
    store,
    /** Deliveries that got a 2xx since start. */
    deliveredCount: () => deliveredCount,

    /** Whether any recipient has a live subscription to the event (the publisher skips work otherwise). */
    subscribed(recipients: WebhookOwner[], event: WebhookEvent): boolean {
      return recipients.some((r) => byOwner.get(ownerKey(r))?.some((w) => w.events.includes(event)));
    },

    /**
     * Queues events, each for every live subscription of its recipients to it, in one statement;
     * resolves once the deliveries are stored (from then on a restart does not lose them).
     * Returns how many deliveries were queued.
     */
    async publish(events: { body: EventBody; recipients: WebhookOwner[] }[]): Promise<number> {
      const items: { webhookId: string; eventId: string; event: string; body: string }[] = [];
      for (const { body, recipients } of events) {
        const text = JSON.stringify(body);
        const seen = new Set<string>();
        for (const r of recipients) {
          for (const w of byOwner.get(ownerKey(r)) ?? []) {
            if (!w.events.includes(body.event) || seen.has(w.id)) continue;
            seen.add(w.id);
            items.push({ webhookId: w.id, eventId: body.id, event: body.event, body: text });
          }
        }
      }
      let n = 0;
      for (let start = 0; start < items.length; start += 1000) {
        const slice = items.slice(start, start + 1000);
        if (worker) {
          // Queued with this worker's lease and sent at once: no claim statement for a first attempt.
          const claimed = await store.enqueueClaimed(slice, deps.clock(), deliverySettings.leaseMs);
          worker.deliver(claimed);
          n += claimed.length;
        } else n += await store.enqueue(slice, deps.clock());
      }
      if (n > 0) queued.inc({ event: 'potential_victim' }, n);
      return n;
    },

    register(scope: FastifyInstance): void {
      const own = async (request: FastifyRequest) => {
        const owner = ownerOf(request);
        const hook = await store.get((request.params as { id: string }).id);
        // Another participant's subscription is answered as unknown: its existence is not told.
        if (!hook || ownerKey(hook.owner) !== ownerKey(owner)) throw new AppError('NOT_FOUND', 'no such webhook');
        return hook;
      };

      scope.post(
        '/v1/webhooks',
        {
          schema: {
            summary: 'Subscribe a webhook (operator or bank key): events are POSTed signed to the URL',
            tags: ['webhooks'],
            security: ownerSecurity,
            body: {
              type: 'object',
              required: ['url', 'events', 'secret'],
              properties: {
                url: { type: 'string', minLength: 1, maxLength: 2048 },
                events: { type: 'array', minItems: 1, items: { type: 'string', enum: [...webhookEvents] } },
                secret: { type: 'string', minLength: 16, maxLength: 512 },
              },
            },
            response: {
              201: { type: 'object', properties: { id: { type: 'string' } } },
              400: {
                ...errorSchema,
                description:
                  'VALIDATION_FAILED: a field breaks the schema, `url` is not a URL or carries a user name or password, ' +
                  '`secret` holds a lone surrogate; ' +
                  'URL_NOT_ALLOWED: `url` resolves to a loopback, private or link-local address; INVALID_JSON',
              },
              403: notOwner,
              409: {
                ...errorSchema,
                description: `WEBHOOK_LIMIT: the owner already has ${MAX_WEBHOOKS_PER_OWNER} live webhooks`,
              },
              '4xx': errorSchema,
            },
          },
        },
        async (request, reply) => {
          const owner = ownerOf(request);
          const body = request.body as { url: string; events: string[]; secret: string };
          // A lone surrogate has no UTF-8 bytes: the receiver could not key its HMAC as we do.
          if (!body.secret.isWellFormed())
            throw new AppError('VALIDATION_FAILED', '"secret" is not valid Unicode (a lone surrogate)');
          let url: URL;
          try {
            url = new URL(body.url);
          } catch {
            throw new AppError('VALIDATION_FAILED', '"url" is not a URL');
          }
          // Credentials in the URL would be kept and audited in plain (and shown by GET /v1/webhooks);
          // the receiver authenticates deliveries by the signature made with the encrypted secret.
          if (url.username !== '' || url.password !== '')
            throw new AppError(
              'VALIDATION_FAILED',
              '"url" must not carry a user name or password: check the signature',
            );
          const checked = await deps.guard.check(url);
          if (!checked.ok) throw new AppError('URL_NOT_ALLOWED', refusalForOwner(url, checked.message));
          const hook = await store.create(
            {
              owner,
              url: url.toString(),
              events: [...new Set(body.events)],
              secretEnc: deps.keys.encrypt(body.secret),
              createdBy: describePrincipal(principalOf(request)),
            },
            MAX_WEBHOOKS_PER_OWNER,
          );
          if (!hook)
            throw new AppError(
              'WEBHOOK_LIMIT',
              `at most ${MAX_WEBHOOKS_PER_OWNER} live webhooks an owner: delete one (DELETE /v1/webhooks/{id}) first`,
            );
          secrets.set(hook.id, body.secret);
          await reload();
          await deps.audit?.append({
            ...auditActorOf(request),
            action: 'webhook.create',
            target: hook.id,
            details: { owner: ownerKey(owner), url: hook.url, events: hook.events },
          });
          return reply.status(201).send({ id: hook.id });
        },
      );

      scope.get(
        '/v1/webhooks',
        {
          schema: {
            summary: "The caller's webhooks (never their secrets)",
            tags: ['webhooks'],
            security: ownerSecurity,
            response: {
              200: { type: 'object', properties: { items: { type: 'array', items: webhookSchema } } },
              403: notOwner,
            },
          },
        },
        async (request) => {
          const owner = ownerOf(request);
          const items = (await store.active()).filter((w) => ownerKey(w.owner) === ownerKey(owner));
          return { items: items.map((w) => ({ id: w.id, url: w.url, events: w.events, createdAt: w.createdAt })) };
        },
      );

      scope.delete(
        '/v1/webhooks/:id',
        {
          schema: {
            summary: 'Delete a webhook (its pending deliveries are not sent)',
            tags: ['webhooks'],
            security: ownerSecurity,
            response: {
              204: { type: 'null', description: 'deleted (no body)' },
              403: notOwner,
              404: unknownWebhook,
              '4xx': errorSchema,
            },
          },
        },
        async (request, reply) => {
          const hook = await own(request);
          await store.remove(hook.id);
          secrets.delete(hook.id);
          await reload();
          await deps.audit?.append({
            ...auditActorOf(request),
            action: 'webhook.delete',
            target: hook.id,
            details: { owner: ownerKey(hook.owner) },
          });
          return reply.status(204).send();
        },
      );

      scope.get(
        '/v1/webhooks/:id/deliveries',
        {
          schema: {
            summary: 'Delivery log of a webhook, newest first',
            description: 'Pages with `before`: pass the `next` of the previous page (null on the last one).',
            tags: ['webhooks'],
            security: ownerSecurity,
            querystring: {
              type: 'object',
              properties: {
                limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
                // Delivery ids are bigints: a larger cursor is no delivery's (and no statement's).
                before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
              },
            },
            response: {
              200: {
                type: 'object',
                properties: { items: { type: 'array', items: deliverySchema }, next: nullableString },
              },
              403: notOwner,
              404: unknownWebhook,
              '4xx': errorSchema,
            },
          },
        },
        async (request) => {
          const hook = await own(request);
          const q = request.query as { limit: number; before?: number };
          const items = await store.deliveries(hook.id, q.limit, q.before);
          return { items, next: items.length === q.limit ? items[items.length - 1].id : null };
        },
      );
    },

    async close(): Promise<void> {
      clearInterval(reloader);
      await worker?.close();
    },
  };
}

export type Webhooks = Awaited<ReturnType<typeof createWebhooks>>;
export { deliverySettings };
