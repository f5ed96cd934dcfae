// A usage event after the pipeline's synchronous front half: validated and priced. This is what is
// written to the spool, so a replay after a crash charges exactly what was acknowledged (a price
// edited in between cannot change it). Its content hash is computed on first use: with the writer
// thread, that is in the thread (from the spool line), not on the gateway's event loop.
import type { SpendAttribution } from '../budgets/ports.js';
import type { PriceCatalog } from '../pricing/ports.js';
import { AppError, err, ok, type Result } from '../shared/errors.js';
import { MAX_AMOUNT } from '../shared/money.js';
import { contentHash } from './content-hash.js';
import type { UsageEnvelope, UsageEvent } from './ports.js';
import { checkUsageEvent } from './usage-event-check.js';

export interface PreparedEvent {
  event: UsageEvent;
  /** Customer cost in nano-units: the event's own cost, or the catalog's at the event time. */
  cost: bigint;
  priceId: string | null;
  multiplierPpm: bigint | null;
  /** Absent for external sources: the batch charges them directly (no lease). */
  attribution: SpendAttribution | null;
  /** contentHash(event): what tells a duplicate from a conflict. */
  readonly hash: string;
}

/** A PreparedEvent whose hash is computed when first read (and kept). */
export class LazyHashEvent implements PreparedEvent {
  private h: string | undefined;

  constructor(
    readonly event: UsageEvent,
    readonly cost: bigint,
    readonly priceId: string | null,
    readonly multiplierPpm: bigint | null,
    readonly attribution: SpendAttribution | null,
    hash?: string,
  ) {
    this.h = hash;
  }

  get hash(): string {
    return (this.h ??= contentHash(this.event));
  }
}

/** The time an event is priced, charged and rolled up at: when the call started (UTC). */
export const eventTime = (e: UsageEvent): number => e.startedAt;

/**
 * Validate + price. Failures are values: validation_error or model_not_priced. The event
 * object is kept as given (not copied): callers hand it over and do not change it afterwards.
 */
export function prepareEvent(envelope: UsageEnvelope, catalog: PriceCatalog): Result<PreparedEvent> {
  const checked = checkUsageEvent(envelope.event);
  if (!checked.ok) return checked;
  const event = checked.value;
  let cost: bigint;
  let priceId = envelope.priceId ?? null;
  let multiplierPpm = envelope.multiplierPpm ?? null;
  if (event.cost !== null) {
    cost = BigInt(event.cost);
  } else {
    const priced = catalog.price(
      event.tenantId,
      event.model,
      {
        promptTokens: event.promptTokens,
        completionTokens: event.completionTokens,
        cachedTokens: event.cachedTokens,
        cacheWriteTokens: event.cacheWriteTokens,
        reasoningTokens: event.reasoningTokens,
      },
      eventTime(event),
      event.deploymentId,
    );
    // Never silently zero: an unpriced model is refused unless the operator marked it free.
    if (!priced)
      return err(new AppError('model_not_priced', `model "${event.model}" has no price`, { model: event.model }));
    cost = priced.cost;
    priceId = priced.priceId;
    multiplierPpm = priced.multiplierPpm;
  }
  // Past what one amount may be (and near what the 64-bit columns hold): token counts from an
  // external source that price beyond any real call are the caller's mistake, refused before the
  // spool, not a database error in the batch.
  if (cost > MAX_AMOUNT)
    return err(tooMuch(event.cost !== null ? 'cost' : 'promptTokens', 'its cost exceeds the largest amount'));
  if (event.providerCost !== null && BigInt(event.providerCost) > MAX_AMOUNT)
    return err(tooMuch('providerCost', 'it exceeds the largest amount'));
  return ok(new LazyHashEvent(event, cost, priceId, multiplierPpm, envelope.attribution ?? null));
}

function tooMuch(field: string, why: string): AppError {
  return new AppError('validation_error', `${field}: ${why} (1000000000 units)`, { field });
}
