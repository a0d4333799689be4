import { randomBytes } from 'node:crypto';
import { loadCalendar } from '../compliance/calendar.ts';
import { localDaySql, type Sql } from '../platform/sql.ts';

/** Who owns a webhook: an operator or a bank (the key's principal). */
export interface WebhookOwner {
  kind: 'operator' | 'bank';
  id: string;
}

export interface Webhook {
  id: string;
  owner: WebhookOwner;
  url: string;
  events: string[];
  createdAt: string;
  createdBy: string;
}

export interface StoredWebhook extends Webhook {
  secretEnc: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  eventId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  nextAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A delivery claimed by a worker for one attempt. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  event: string;
  body: string;
  attempts: number;
  createdAt: number;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

interface WebhookRow {
  id: string;
  owner_kind: 'operator' | 'bank';
  owner_id: string;
  url: string;
  events: string[];
  secret_enc: string;
  created_at: Date;
  created_by: string;
}

const toWebhook = (r: WebhookRow): StoredWebhook => ({
  id: r.id,
  owner: { kind: r.owner_kind, id: r.owner_id },
  url: r.url,
  events: r.events,
  secretEnc: r.secret_enc,
  createdAt: iso(r.created_at)!,
  createdBy: r.created_by,
});

/** A delivery's row as the claiming statements return it. */
interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  body: string;
  attempts: number;
  created_at: Date;
}

/** Subscriptions and their deliveries in the records store. */
export function createWebhookStore(sql: Sql, options: { utcOffsetMinutes?: number } = {}) {
  const dayOffsetMinutes = options.utcOffsetMinutes ?? loadCalendar().offsetMs / 60_000;
  const claimedRow = (r: DeliveryRow): ClaimedDelivery => ({
    id: String(r.id),
    webhookId: r.webhook_id,
    eventId: r.event_id,
    event: r.event,
    body: r.body,
    attempts: Number(r.attempts),
    createdAt: new Date(r.created_at).getTime(),
  });

  /** Inserts deliveries, leased until `lockedUntil` when given; the rows inserted. */
  async function insertDeliveries(
    items: { webhookId: string; eventId: string; event: string; body: string }[],
    now: number,
    lockedUntil: number | null,
  ): Promise<ClaimedDelivery[]> {
    if (items.length === 0) return [];
    const { rows } = await sql.query<DeliveryRow>(
      `insert into webhook_deliveries (webhook_id, event_id, event, body, next_at, created_at, locked_until)
       select x.webhook_id, x.event_id, x.event, x.body, to_timestamp($2 / 1000.0), to_timestamp($2 / 1000.0),
         to_timestamp($6 / 1000.0)
       from unnest($1::text[], $3::text[], $4::text[], $5::text[]) as x(webhook_id, event_id, event, body)
       on conflict (webhook_id, event_id) do nothing
       returning id, webhook_id, event_id, event, body, attempts, created_at`,
      [
        items.map((i) => i.webhookId),
        now,
        items.map((i) => i.eventId),
        items.map((i) => i.event),
        items.map((i) => i.body),
        lockedUntil,
      ],
    );
    return rows.map(claimedRow);
  }

  return {
    /**
     * Adds a subscription, or null when its owner already has `most` live ones. The count and the
     * insert hold the owner's lock together, so that owners' requests racing each other (on several
     * nodes) cannot pass the limit.
     */
    async create(
      w: { owner: WebhookOwner; url: string; events: string[]; secretEnc: string; createdBy: string },
      most: number,
    ): Promise<StoredWebhook | null> {
      const id = `whk_${randomBytes(9).toString('base64url')}`;
      return sql.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(7264, hashtext($1))', [`${w.owner.kind}:${w.owner.id}`]);
        const { rows: counted } = await tx.query<{ live: number }>(
          'select count(*)::int as live from webhooks where owner_kind = $1 and owner_id = $2 and deleted_at is null',
          [w.owner.kind, w.owner.id],
        );
        if (counted[0].live >= most) return null;
        const { rows } = await tx.query<WebhookRow>(
          `insert into webhooks (id, owner_kind, owner_id, url, events, secret_enc, created_by)
           values ($1, $2, $3, $4, $5, $6, $7) returning *`,
          [id, w.owner.kind, w.owner.id, w.url, w.events, w.secretEnc, w.createdBy],
        );
        return toWebhook(rows[0]);
      });
    },

    /** Every live subscription (the publisher keeps them in memory). */
    async active(): Promise<StoredWebhook[]> {
      const { rows } = await sql.query<WebhookRow>(
        'select * from webhooks where deleted_at is null order by created_at',
      );
      return rows.map(toWebhook);
    },

    async get(id: string): Promise<StoredWebhook | null> {
      const { rows } = await sql.query<WebhookRow>('select * from webhooks where id = $1 and deleted_at is null', [id]);
      return rows[0] ? toWebhook(rows[0]) : null;
    },

    /** Deletes a subscription; its pending deliveries are dropped with it. */
    async remove(id: string): Promise<boolean> {
      const { affectedRows } = await sql.query(
        'update webhooks set deleted_at = now() where id = $1 and deleted_at is null',
        [id],
      );
      if (affectedRows > 0)
        await sql.query(
          `update webhook_deliveries set status = 'failed', last_error = 'subscription deleted'
           where webhook_id = $1 and status = 'pending'`,
          [id],
        );
      return affectedRows > 0;
    },

    /** Queues one event for some subscriptions; an event already queued for a subscription is skipped. */
    /**
     * Queues deliveries (an event already queued for a subscription is not queued again); returns
     * how many were queued.
     */
    async enqueue(
      items: { webhookId: string; eventId: string; event: string; body: string }[],
      now: number,
    ): Promise<number> {
      return (await insertDeliveries(items, now, null)).length;
    },

    /**
     * Queues deliveries already claimed by the caller for their first attempt (a lease until
     * `now + leaseMs`, as `claim` takes): the worker that queues them sends them at once, without
     * a claim statement; if it dies first, the lease runs out and any worker takes them.
     */
    async enqueueClaimed(
      items: { webhookId: string; eventId: string; event: string; body: string }[],
      now: number,
      leaseMs: number,
    ): Promise<ClaimedDelivery[]> {
      return insertDeliveries(items, now, now + leaseMs);
    },

    /**
     * Claims due deliveries for one attempt each: a lease keeps other workers off them while this
     * one sends; a worker that dies lets its lease run out and another takes them.
     */
    async claim(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const { rows } = await sql.query<DeliveryRow>(
        `update webhook_deliveries set locked_until = to_timestamp($2 / 1000.0)
         where id in (
           select id from webhook_deliveries
           where status = 'pending' and next_at <= to_timestamp($1 / 1000.0)
             and (locked_until is null or locked_until <= to_timestamp($1 / 1000.0))
           order by next_at limit $3 for update skip locked)
         returning id, webhook_id, event_id, event, body, attempts, created_at`,
        [now, now + leaseMs, limit],
      );
      return rows.map(claimedRow);
    },

    /** Records the outcomes of attempts: delivered, retried at `nextAt`, or given up. */
    async settle(
      outcomes: {
        id: string;
        status: DeliveryStatus;
        httpStatus: number | null;
        error: string | null;
        nextAt: number;
      }[],
      now: number,
    ): Promise<void> {
      if (outcomes.length === 0) return;
      await sql.query(
        `update webhook_deliveries d set status = x.status, attempts = d.attempts + 1, last_status = x.http_status,
           last_error = x.error, next_at = to_timestamp(x.next_ms / 1000.0), locked_until = null,
           delivered_at = case when x.status = 'delivered' then to_timestamp($6 / 1000.0) else d.delivered_at end
         from unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::float8[])
           as x(id, status, http_status, error, next_ms)
         where d.id = x.id`,
        [
          outcomes.map((o) => o.id),
          outcomes.map((o) => o.status),
          outcomes.map((o) => o.httpStatus),
          outcomes.map((o) => o.error),
          outcomes.map((o) => o.nextAt),
          now,
        ],
      );
    },

    /** Leases of a previous run of this process (embedded mode: no other worker can hold them). */
    async releaseLeases(): Promise<void> {
      await sql.query(
        `update webhook_deliveries set locked_until = null where status = 'pending' and locked_until is not null`,
      );
    },

    async pendingCount(): Promise<number> {
      const { rows } = await sql.query<{ n: number | string }>(
        `select count(*) as n from webhook_deliveries where status = 'pending'`,
      );
      return Number(rows[0].n);
    },

    async deliveries(webhookId: string, limit: number, before?: number): Promise<Delivery[]> {
      const { rows } = await sql.query<{
        id: string;
        event_id: string;
        event: string;
        status: DeliveryStatus;
        attempts: number;
        next_at: Date;
        last_status: number | null;
        last_error: string | null;
        created_at: Date;
        delivered_at: Date | null;
      }>(
        `select id, event_id, event, status, attempts, next_at, last_status, last_error, created_at, delivered_at
         from webhook_deliveries where webhook_id = $1 and ($2::bigint is null or id < $2) order by id desc limit $3`,
        [webhookId, before ?? null, limit],
      );
      return rows.map((r) => ({
        id: String(r.id),
        eventId: r.event_id,
        event: r.event,
        status: r.status,
        attempts: Number(r.attempts),
        nextAt: r.status === 'pending' ? iso(r.next_at) : null,
        lastStatus: r.last_status === null ? null : Number(r.last_status),
        lastError: r.last_error,
        createdAt: iso(r.created_at)!,
        deliveredAt: iso(r.delivered_at),
      }));
    },

    /** Warnings queued per day (UTC), for the console's Overview. */
    async perDay(event: string, since: number): Promise<{ day: string; events: number; deliveries: number }[]> {
      const { rows } = await sql.query<{ day: string; events: number | string; deliveries: number | string }>(
        // The country's local days (the calendar's offset, Almaty UTC+5), as `GET /v1/stats` cuts them.
        `select ${localDaySql('created_at', '$3')} as day,
           count(distinct event_id) as events, count(*) as deliveries
         from webhook_deliveries where event = $1 and created_at >= to_timestamp($2 / 1000.0)
         group by 1 order by 1`,
        [event, since, dayOffsetMinutes],
      );
      return rows.map((r) => ({ day: r.day, events: Number(r.events), deliveries: Number(r.deliveries) }));
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;
