/**
 * Which account sent the message a delivery receipt is about. Every ESME bind shares the
 * firewall's upstream system_id, and an SMSC hands a deliver_sm to any receiver or transceiver bind
 * of that system_id; so receipts are routed by the message id the SMSC gave the submit, not by the
 * link they arrive on.
 */

/**
 * How long a message id is remembered: receipts come within minutes, final ones for an unreachable
 * phone at the end of the SMSC's validity period (typically 1–3 days).
 */
export const RECEIPT_WINDOW_MS = 72 * 3600_000;
/** Message ids remembered at most (about 150 bytes each); past it the oldest are forgotten first. */
export const MAX_RECEIPT_ROUTES = 500_000;

interface Route {
  account: string;
  at: number;
}

export class ReceiptRoutes {
  /** In the order remembered, so the oldest (and the expired) come first. */
  private readonly routes = new Map<string, Route>();
  private readonly windowMs: number;
  private readonly capacity: number;

  constructor(windowMs = RECEIPT_WINDOW_MS, capacity = MAX_RECEIPT_ROUTES) {
    this.windowMs = windowMs;
    this.capacity = capacity;
  }

  /** The SMSC accepted a submit of `account` under `messageId`. */
  remember(messageId: string, account: string, now = Date.now()) {
    this.routes.delete(messageId);
    this.routes.set(messageId, { account, at: now });
    for (const [id, route] of this.routes) {
      if (this.routes.size <= this.capacity && now - route.at < this.windowMs) break;
      this.routes.delete(id);
    }
  }

  /** The account whose submit the SMSC accepted under `messageId`, if remembered. */
  accountOf(messageId: string, now = Date.now()): string | undefined {
    const route = this.routes.get(messageId);
    return route && now - route.at < this.windowMs ? route.account : undefined;
  }

  get size() {
    return this.routes.size;
  }
}
