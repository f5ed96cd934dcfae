// Everything that must pass before a provider is contacted, in order: model known → allowed for
// this key → served for this endpoint → provider preferences valid → rate limits → a deployment
// is available → priced → the upper-bound cost reserved across every budget scope. All of it from
// memory (identity, pricing and budget services keep their state cached). A refusal here means no
// upstream request is ever made.
import type { ScopeRef } from '../budgets/ports.js';
import type { GatewayCaller } from '../identity/ports.js';
import type { RateLimitDecision, RateLimitRule } from '../ratelimit/ports.js';
import type { Deployment, GatewayDeps, ModelEntry } from './deps.js';
import { fromAppError, gatewayError, modelNotFound, type GatewayError } from './gateway-error.js';
import { preferencesFor } from './provider-preferences.js';

export type EndpointKind = 'chat' | 'embeddings' | 'completions';

export interface AdmitInput {
  caller: GatewayCaller;
  requestId: string;
  model: string;
  kind: EndpointKind;
  promptTokens: number;
  /** The request's output cap (max_tokens…); null = the deployment's cap, else the default. */
  requestedOutput: number | null;
  /** Output cap when neither the request nor the deployment names one. */
  defaultOutput: number;
  /** Completions the request generates, each up to the output cap (`outputChoices`); default 1. */
  outputChoices?: number;
  /** The request body's `provider` object, unvalidated. */
  requestPreferences: unknown;
  agent: string | null;
  nowMs: number;
}

export interface Admission {
  entry: ModelEntry;
  plan: Deployment[];
  rules: RateLimitRule[];
  rateHeaders: Record<string, string> | null;
  /** Tokens counted against tpm up front (corrected after the call). */
  countedTokens: number;
  reserved: bigint;
  scopes: ScopeRef[];
}

type Admit = { ok: true; value: Admission } | { ok: false; error: GatewayError };
const refuse = (error: GatewayError): Admit => ({ ok: false, error });

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

const positiveIntOrOne = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v > 1 ? v : 1);

/** More completions than any provider makes; keeps cap × choices a finite number (best_of is not
 *  checked before admission). */
const MAX_CHOICES = 2 ** 31 - 1;

/** Prompts in a legacy completions `prompt`: a string or a token array is one, an array of
 *  strings or of token arrays is a batch. */
function promptCount(prompt: unknown): number {
  return Array.isArray(prompt) && prompt.length > 0 && typeof prompt[0] !== 'number' ? prompt.length : 1;
}

/**
 * How many completions a request makes the provider generate, each up to the output cap: chat
 * `n`; legacy completions max(n, best_of) per prompt (every best_of candidate is generated and
 * billed, and each prompt of a batch gets that many). A value that is not a positive integer
 * counts as 1: the provider refuses the request, so nothing is spent.
 */
export function outputChoices(kind: EndpointKind, body: Record<string, unknown>): number {
  if (kind === 'embeddings') return 1;
  const n = positiveIntOrOne(body['n']);
  if (kind === 'chat') return n;
  return Math.min(MAX_CHOICES, Math.max(n, positiveIntOrOne(body['best_of'])) * promptCount(body['prompt']));
}

function tightestTpm(rules: readonly RateLimitRule[]): number {
  let min = Infinity;
  for (const r of rules) if (r.tpm !== null && r.tpm > 0 && r.tpm < min) min = r.tpm;
  return min;
}

/** Rate-limit rules for a caller: the key's own rpm/tpm, and the tenant's from settings.rate_limit. */
export function rateLimitRules(caller: GatewayCaller): RateLimitRule[] {
  // Identity's key cache hands out the same caller object until the key, user or tenant changes.
  let rules = rulesByCaller.get(caller);
  if (!rules) {
    rules = buildRules(caller);
    rulesByCaller.set(caller, rules);
  }
  return rules;
}

const rulesByCaller = new WeakMap<GatewayCaller, RateLimitRule[]>();

function buildRules(caller: GatewayCaller): RateLimitRule[] {
  const rules: RateLimitRule[] = [];
  const k = caller.key;
  if (k.rpm !== null || k.tpm !== null) rules.push({ subject: `key:${k.id}`, rpm: k.rpm, tpm: k.tpm });
  const t = caller.tenant.settings['rate_limit'];
  if (typeof t === 'object' && t !== null) {
    const rpm = numberOrNull((t as Record<string, unknown>)['rpm']);
    const tpm = numberOrNull((t as Record<string, unknown>)['tpm']);
    if (rpm !== null || tpm !== null) rules.push({ subject: `tenant:${caller.tenant.id}`, rpm, tpm });
  }
  return rules;
}

/** The model a caller names, if it exists, this key may use it, and it serves `kind`. */
export function modelFor(
  deps: GatewayDeps,
  caller: GatewayCaller,
  model: string,
  kind: EndpointKind,
): { ok: true; value: ModelEntry } | { ok: false; error: GatewayError } {
  const entry = deps.registry.resolve(model);
  if (!entry) return { ok: false, error: modelNotFound(model) };
  const allowed = caller.key.allowedModels;
  if (allowed !== null && !allowed.includes(entry.name)) {
    return {
      ok: false,
      error: gatewayError(403, 'model_not_allowed', `This API key may not use the model \`${model}\`.`, 'model'),
    };
  }
  if (!entry.kinds.includes(kind)) {
    return {
      ok: false,
      error: gatewayError(
        400,
        'model_not_supported',
        `The model \`${model}\` does not serve ${kind} requests.`,
        'model',
      ),
    };
  }
  return { ok: true, value: entry };
}

export async function admit(deps: GatewayDeps, input: AdmitInput): Promise<Admit> {
  const { caller, model } = input;
  const known = modelFor(deps, caller, model, input.kind);
  if (!known.ok) return known;
  const entry = known.value;
  const prefs = preferencesFor(caller, input.requestPreferences);
  if (!prefs.ok) return refuse(prefs.error);

  const plan = deps.planner.plan(entry, prefs.value, input.nowMs);
  if (plan.length === 0) {
    return refuse(
      gatewayError(
        503,
        'no_deployment_available',
        `No deployment of \`${model}\` is available right now; try again later.`,
      ),
    );
  }

  // Upper bound over every deployment the attempt loop may fall back to; the output cap holds for
  // each completion the request asks for (n, best_of).
  let reserved = 0n;
  let maxOut = 0;
  const choices = input.outputChoices ?? 1;
  for (const d of plan) {
    const cap = input.kind === 'embeddings' ? 0 : (input.requestedOutput ?? d.maxOutputTokens ?? input.defaultOutput);
    const out = cap * choices;
    if (out > maxOut) maxOut = out;
    if (entry.free) continue;
    const ub = deps.pricing.upperBound(caller.tenant.id, entry.name, input.promptTokens, out, input.nowMs, d.id);
    if (ub === null) {
      return refuse(
        gatewayError(
          422,
          'model_not_priced',
          `The model \`${model}\` has no price yet; ask the operator to set one.`,
          'model',
        ),
      );
    }
    if (ub > reserved) reserved = ub;
  }

  const rules = rateLimitRules(caller);
  // tpm counts what the caller asked for, as OpenAI's limiter does: the prompt, plus max_tokens for
  // each completion when given (never the default cap, which would make a key whose tpm is below it
  // refuse every uncapped call); the real count replaces it after the call. And never more than the
  // tightest tpm: a call larger than a minute's tokens waits for a full bucket instead of forever.
  const countedTokens = Math.min(input.promptTokens + (input.requestedOutput ?? 0) * choices, tightestTpm(rules));
  let rateHeaders: Record<string, string> | null = null;
  if (rules.length > 0) {
    const d = deps.rateLimiter.check(rules, countedTokens, input.nowMs);
    const decision: RateLimitDecision = d instanceof Promise ? await d : d;
    rateHeaders = decision.headers;
    if (!decision.allowed) {
      deps.metrics.refused('rate_limited');
      return refuse(
        gatewayError(
          429,
          'rate_limit_exceeded',
          'Rate limit reached for this API key; retry after the indicated time.',
          null,
          {
            ...decision.headers,
            'retry-after': String(Math.max(1, Math.ceil(decision.retryAfterSeconds))),
          },
        ),
      );
    }
  }

  const scopes = deps.budgets.scopesFor(caller, input.agent);
  const r = await deps.budgets.reserve({
    requestId: input.requestId,
    tenantId: caller.tenant.id,
    scopes,
    amount: reserved,
  });
  if (!r.ok) {
    if (rules.length > 0) deps.rateLimiter.adjustTokens(rules, -countedTokens, input.nowMs);
    deps.metrics.refused(r.error.code);
    const e = fromAppError(r.error);
    return refuse(e.status === 402 ? e : { ...e, status: e.status >= 500 ? 503 : e.status });
  }
  return { ok: true, value: { entry, plan, rules, rateHeaders, countedTokens, reserved, scopes } };
}
