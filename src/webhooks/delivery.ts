/**
 * The delivery worker: claims due deliveries from the records store, POSTs each signed body to
 * its subscription's URL and records the outcome. At-least-once: a delivery stays pending until a
 * 2xx answer, retried with the same event id after 3 s, then doubling up to 10 min, for 24 h; a
 * process killed mid-attempt leaves the delivery pending for the next start (or another node).
 */
import { createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { OutboundGuard } from '../platform/outbound.ts';
import type { ClaimedDelivery, WebhookStore } from './store.ts';

export const deliverySettings = {
  firstRetryMs: 3_000,
  maxRetryMs: 600_000,
  giveUpAfterMs: 24 * 3_600_000,
  timeoutMs: 10_000,
  leaseMs: 60_000,
  batch: 100,
  idlePollMs: 500,
  /** Bytes of a receiver's answer read (and then dropped). */
  maxAnswerBytes: 64 * 1024,
};

/** Wait before the next attempt after `failures` failed ones (1 = the first failure). */
export function retryDelayMs(failures: number, settings = deliverySettings): number {
  return Math.min(settings.firstRetryMs * 2 ** Math.max(0, failures - 1), settings.maxRetryMs);
}

/**
 * A refusal of the outbound guard as a webhook's owner is told it. The guard names the address a
 * host name resolved to (for the server's logs); told to a bank or an operator, that would make the
 * platform an oracle of its own network's names. An address the owner wrote itself is told as is.
 */
export function refusalForOwner(url: URL, guardMessage: string): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return guardMessage;
  return `${host} resolves to a loopback, private, link-local or other internal address, which is not allowed`;
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>`. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliveryTarget {
  url: string;
  secret: string;
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export function createDeliveryWorker(deps: {
  store: WebhookStore;
  guard: OutboundGuard;
  /** The URL and decrypted secret of a live subscription, or null when it was deleted. */
  target: (webhookId: string) => Promise<DeliveryTarget | null>;
  clock: () => number;
  onError: (error: unknown, what: string) => void;
  onDelivered?: (count: number) => void;
  settings?: typeof deliverySettings;
}) {
  const settings = deps.settings ?? deliverySettings;
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let kicked = false;
  /** Wakes the drain waiting for its attempts to end (a kick). */
  let wake: (() => void) | null = null;

  function send(target: DeliveryTarget, delivery: ClaimedDelivery): Promise<Attempt> {
    return new Promise((resolveAttempt) => {
      let url: URL;
      try {
        url = new URL(target.url);
      } catch {
        resolveAttempt({ ok: false, status: null, error: 'invalid URL' });
        return;
      }
      const https = url.protocol === 'https:';
      const request = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: https ? agents.https : agents.http,
          lookup: deps.guard.lookupFor(url) as never,
          timeout: settings.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(delivery.body),
            'user-agent': 'callshield-webhooks/1',
            'x-callshield-event': delivery.event,
            'x-callshield-event-id': delivery.eventId,
            'x-callshield-signature': signatureOf(target.secret, delivery.body),
          },
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > settings.maxAnswerBytes) response.destroy();
          });
          const done = () => {
            const status = response.statusCode ?? 0;
            resolveAttempt(
              status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` },
            );
          };
          response.on('end', done);
          response.on('close', done);
          response.on('error', done);
        },
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      // `timeout` above is the socket's idle time: a receiver dripping a byte at a time would hold the
      // attempt (and the batch it is in) for ever. This caps the whole exchange.
      const cap = setTimeout(() => request.destroy(new Error('timed out')), settings.timeoutMs);
      request.on('close', () => clearTimeout(cap));
      request.on('error', (error: NodeJS.ErrnoException) =>
        resolveAttempt({
          ok: false,
          status: null,
          error: error.code === 'URL_NOT_ALLOWED' ? refusalForOwner(url, error.message) : error.message.slice(0, 200),
        }),
      );
      request.end(delivery.body);
    });
  }

  type Outcome = Parameters<WebhookStore['settle']>[0][number];

  async function attempt(delivery: ClaimedDelivery): Promise<Outcome> {
    const target = await deps.target(delivery.webhookId);
    let result: Attempt;
    if (!target) result = { ok: false, status: null, error: 'subscription deleted' };
    else {
      // An address in the URL is never looked up: check it here (names are checked at connect).
      const host = new URL(target.url).hostname.replace(/^\[|\]$/g, '');
      const checked = isIP(host) ? await deps.guard.check(new URL(target.url)) : { ok: true as const };
      result = checked.ok ? await send(target, delivery) : { ok: false, status: null, error: checked.message };
    }
    const now = deps.clock();
    if (result.ok) return { id: delivery.id, status: 'delivered', httpStatus: result.status, error: null, nextAt: now };
    const nextAt = now + retryDelayMs(delivery.attempts + 1, settings);
    const expired = !target || nextAt > delivery.createdAt + settings.giveUpAfterMs;
    return {
      id: delivery.id,
      status: expired ? 'failed' : 'pending',
      httpStatus: result.status,
      error: result.error,
      nextAt,
    };
  }

  /**
   * Outcomes are recorded as attempts end, not when a whole batch has: a receiver that takes its
   * full timeout holds its own deliveries, not the record of the others (nor the next ones). The
   * outcomes that end while a statement runs go in the next one together.
   */
  const finished: Outcome[] = [];
  let recording: Promise<void> | null = null;

  function recordFinished(): Promise<void> {
    recording ??= (async () => {
      while (finished.length > 0) {
        const outcomes = finished.splice(0);
        await deps.store.settle(outcomes, deps.clock());
        const delivered = outcomes.filter((o) => o.status === 'delivered').length;
        if (delivered > 0) deps.onDelivered?.(delivered);
      }
    })()
      // Unrecorded, a delivery stays claimed until its lease runs out, then is sent again.
      .catch((error) => deps.onError(error, 'webhook delivery outcomes'))
      .finally(() => {
        recording = null;
        if (finished.length > 0) void recordFinished();
      });
    return recording;
  }

  /** One attempt of a claimed delivery, its outcome recorded (with the others ending meanwhile). */
  function attemptAndRecord(delivery: ClaimedDelivery): Promise<void> {
    return attempt(delivery)
      .catch((error): Outcome => {
        deps.onError(error, `webhook delivery ${delivery.id}`);
        return {
          id: delivery.id,
          status: 'pending',
          httpStatus: null,
          error: 'internal error',
          nextAt: deps.clock() + settings.firstRetryMs,
        };
      })
      .then((outcome) => {
        finished.push(outcome);
        return recordFinished();
      });
  }

  /**
   * Sends every due delivery, at most `batch` under way at once; resolves when none is due and
   * none is under way. More are claimed as half the room frees up, so deliveries to a slow
   * receiver hold a few places and the others flow past them.
   */
  async function drainDue(): Promise<void> {
    const underWay = new Set<Promise<void>>();
    let moreDue = true;
    for (;;) {
      if (kicked) {
        kicked = false;
        moreDue = true;
      }
      const room = settings.batch - underWay.size;
      if (moreDue && !stopped && (underWay.size === 0 || room >= settings.batch / 2)) {
        const due = await deps.store.claim(deps.clock(), room, settings.leaseMs);
        // A short claim took every due delivery: the next look is after a kick (or the poll).
        if (due.length < room) moreDue = false;
        for (const delivery of due) {
          const sending: Promise<void> = attemptAndRecord(delivery).finally(() => underWay.delete(sending));
          underWay.add(sending);
        }
      }
      if (underWay.size === 0) return;
      // Until an attempt ends, new deliveries are queued (a kick), or the poll's time comes round
      // (retries fall due while slow attempts are still under way).
      let poll: NodeJS.Timeout | undefined;
      const polled = await Promise.race([
        ...underWay,
        new Promise<void>((resolve) => (wake = resolve)),
        new Promise<'poll'>((resolve) => {
          poll = setTimeout(() => resolve('poll'), settings.idlePollMs);
        }),
      ]);
      clearTimeout(poll);
      wake = null;
      if (polled === 'poll') moreDue = true;
    }
  }

  /** First attempts of deliveries queued already claimed (enqueueClaimed), under way. */
  const firstAttempts = new Set<Promise<void>>();

  function schedule(delayMs: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick() {
    timer = null;
    if (running || stopped) return;
    running = drainDue()
      .catch((error) => deps.onError(error, 'webhook deliveries'))
      .finally(() => {
        running = null;
        schedule(kicked ? 0 : settings.idlePollMs);
      });
  }

  return {
    start() {
      schedule(0);
    },
    /** Deliveries this process queued with their lease: their first attempt starts now. */
    deliver(claimed: ClaimedDelivery[]) {
      if (claimed.length === 0) return;
      if (stopped) return; // Their lease runs out and the next start (or another node) sends them.
      for (const delivery of claimed) {
        const sending: Promise<void> = attemptAndRecord(delivery).finally(() => firstAttempts.delete(sending));
        firstAttempts.add(sending);
      }
    },
    /** New deliveries were queued: look now rather than at the next poll. */
    kick() {
      kicked = true;
      wake?.();
      if (!running) schedule(0);
    },
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await Promise.all(firstAttempts);
      await recording;
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
