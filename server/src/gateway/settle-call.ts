// After the call, in two steps: price the usage exactly (priceCall, pure and in memory), answer
// the client, then settle (settleCall): the reservation settled to that cost, the rate limiter's
// token count corrected, the usage event handed to the metering pipeline. Settling after the
// answer keeps metering's work off the caller's latency, not off the books. The cost is the one
// the client sees in x-tollgate-cost, and the same price version and multiplier travel on the
// event so the ledger charge matches it to the nano-unit.
import type { GatewayCaller } from '../identity/ports.js';
import type { UsageEvent } from '../metering/ports.js';
import type { PricedCost, TokenCounts } from '../pricing/ports.js';
import type { Admission } from './admission.js';
import type { Attribution } from './attribution.js';
import type { Deployment, GatewayDeps } from './deps.js';

export interface CallContext {
  requestId: string;
  caller: GatewayCaller;
  admission: Admission;
  attribution: Attribution;
  stream: boolean;
  /** Clock epoch ms at arrival. */
  startedAt: number;
  /** performance.now() at arrival (latency measurements). */
  t0: number;
}

export interface CallOutcome {
  deployment: Deployment;
  usage: TokenCounts;
  usageSource: 'provider' | 'estimated';
  status: UsageEvent['status'];
  ttftMs: number | null;
}

/** A call's exact price: `cost` in nano-units (zero for a free model). */
export interface CallPrice {
  cost: bigint;
  priced: PricedCost | null;
}

export function priceCall(deps: GatewayDeps, ctx: CallContext, outcome: CallOutcome): CallPrice {
  const { admission } = ctx;
  if (admission.entry.free) return { cost: 0n, priced: null };
  const model = admission.entry.name;
  const priced = deps.pricing.price(ctx.caller.tenant.id, model, outcome.usage, ctx.startedAt, outcome.deployment.id);
  if (!priced) {
    deps.log.error(
      { requestId: ctx.requestId, model },
      'price vanished between reservation and settlement; charging zero',
    );
  }
  return { cost: priced?.cost ?? 0n, priced };
}

/** Settle and meter one finished call at the price priceCall gave. */
export function settleCall(deps: GatewayDeps, ctx: CallContext, outcome: CallOutcome, price: CallPrice): void {
  const now = deps.clock.now();
  const { admission, caller } = ctx;
  const model = admission.entry.name;
  const u = outcome.usage;
  const { cost, priced } = price;
  const attribution = deps.budgets.settle(ctx.requestId, cost);
  if (admission.rules.length > 0) {
    deps.rateLimiter.adjustTokens(admission.rules, u.promptTokens + u.completionTokens - admission.countedTokens, now);
  }
  const a = ctx.attribution;
  const event: UsageEvent = {
    requestId: ctx.requestId,
    source: 'gateway',
    tenantId: caller.tenant.id,
    userId: caller.user.id,
    keyId: caller.key.id,
    agent: a.agent,
    conversationId: a.conversationId,
    conversationTitle: a.conversationTitle,
    project: a.project,
    provider: outcome.deployment.provider.id,
    deploymentId: outcome.deployment.id,
    model,
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    cachedTokens: u.cachedTokens,
    cacheWriteTokens: u.cacheWriteTokens,
    reasoningTokens: u.reasoningTokens,
    usageSource: outcome.usageSource,
    cost: cost.toString(),
    providerCost: null,
    latencyMs: Math.max(0, Math.round(performance.now() - ctx.t0)),
    ttftMs: outcome.ttftMs === null ? null : Math.max(0, Math.round(outcome.ttftMs)),
    status: outcome.status,
    stream: ctx.stream,
    startedAt: ctx.startedAt,
    endedAt: now,
    metadata: a.metadata,
  };
  deps.pipeline.enqueue({
    event,
    priceId: priced?.priceId ?? null,
    ...(priced ? { multiplierPpm: priced.multiplierPpm } : {}),
    attribution,
  });
  deps.metrics.billed(model, u.promptTokens, u.completionTokens, cost);
}

/** The call ended without costing anything (refused upstream, client left before an answer). */
export function releaseCall(deps: GatewayDeps, ctx: CallContext): void {
  deps.budgets.release(ctx.requestId);
  if (ctx.admission.rules.length > 0) {
    deps.rateLimiter.adjustTokens(ctx.admission.rules, -ctx.admission.countedTokens, deps.clock.now());
  }
}
