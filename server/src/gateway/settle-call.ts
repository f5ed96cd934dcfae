// After the call: price the usage exactly, settle the reservation to that cost, correct the rate
// limiter's token count, and hand the usage event to the metering pipeline (spooled, batched).
// The cost returned is the one the client sees in x-tollgate-cost, and the same price version and
// multiplier travel on the event so the ledger charge matches it to the nano-unit.
import type { GatewayCaller } from '../identity/ports.js';
import type { UsageEvent } from '../metering/ports.js';
import type { TokenCounts } from '../pricing/ports.js';
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

export const zeroUsage = (): TokenCounts => ({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

/** Settle and meter one finished call; returns its cost in nano-units. */
export function settleCall(deps: GatewayDeps, ctx: CallContext, outcome: CallOutcome): bigint {
  const now = deps.clock.now();
  const { admission, caller } = ctx;
  const model = admission.entry.name;
  const u = outcome.usage;
  const priced = admission.entry.free
    ? null
    : deps.pricing.price(caller.tenant.id, model, u, ctx.startedAt, outcome.deployment.id);
  if (!priced && !admission.entry.free) {
    deps.log.error(
      { requestId: ctx.requestId, model },
      'price vanished between reservation and settlement; charging zero',
    );
  }
  const cost = priced?.cost ?? 0n;
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
  return cost;
}

/** The call ended without costing anything (refused upstream, client left before an answer). */
export function releaseCall(deps: GatewayDeps, ctx: CallContext): void {
  deps.budgets.release(ctx.requestId);
  if (ctx.admission.rules.length > 0) {
    deps.rateLimiter.adjustTokens(ctx.admission.rules, -ctx.admission.countedTokens, deps.clock.now());
  }
}
