// Event bus port: cache invalidations and domain events between parts of one process (and, with
// the RabbitMQ adapter that arrives with multi-node, between processes). Handlers must be cheap
// and must not throw; a throwing handler is logged and the others still run.

export interface BusMessages {
  /** An API key changed (revoked, rotated, limits edited): drop it from every key cache. */
  'key.changed': { keyId: string; keyHash?: string };
  /** A tenant changed (status, multiplier, provider preferences). */
  'tenant.changed': { tenantId: string };
  /** A user changed (status, budget, role). */
  'user.changed': { userId: string; tenantId: string | null };
  /** Prices or the multiplier catalog changed. */
  'pricing.changed': Record<string, never>;
  /** Providers, models or deployments changed. */
  'gateway.config.changed': Record<string, never>;
  /** Budgets changed or were reset. */
  'budget.changed': { scopeKey?: string };
}

export type Topic = keyof BusMessages;
export type Handler<T extends Topic> = (msg: BusMessages[T]) => void;

export interface EventBus {
  publish<T extends Topic>(topic: T, msg: BusMessages[T]): void;
  subscribe<T extends Topic>(topic: T, handler: Handler<T>): () => void;
}

export class InProcessBus implements EventBus {
  private readonly handlers = new Map<Topic, Set<Handler<Topic>>>();
  constructor(private readonly onError: (e: unknown, topic: Topic) => void = () => {}) {}

  publish<T extends Topic>(topic: T, msg: BusMessages[T]): void {
    for (const h of this.handlers.get(topic) ?? []) {
      try {
        (h as Handler<T>)(msg);
      } catch (e) {
        this.onError(e, topic);
      }
    }
  }

  subscribe<T extends Topic>(topic: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler as Handler<Topic>);
    return () => set.delete(handler as Handler<Topic>);
  }
}
