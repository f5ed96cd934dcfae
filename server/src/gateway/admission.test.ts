import { describe, expect, it } from 'vitest';
import type { GatewayCaller } from '../identity/ports.js';
import { dep } from '../routing/test-deployments.js';
import { admit, outputChoices, type AdmitInput } from './admission.js';
import type { Deployment, GatewayDeps } from './deps.js';

/** Deps whose pricing charges 1 nano per token, so a reservation reads as prompt + output tokens. */
function deps(plan: Deployment[]) {
  const seen = { reserved: [] as bigint[], tpmTokens: [] as number[] };
  const d = {
    registry: {
      resolve: (name: string) => ({
        name,
        kinds: ['chat', 'completions', 'embeddings'],
        deployments: plan,
        free: false,
      }),
    },
    planner: { plan: () => plan },
    pricing: {
      upperBound: (_t: string, _m: string, prompt: number, out: number) => BigInt(prompt) + BigInt(out),
    },
    rateLimiter: {
      check: (_rules: unknown, tokens: number) => {
        seen.tpmTokens.push(tokens);
        return { allowed: true, headers: {}, retryAfterSeconds: 0 };
      },
    },
    budgets: {
      scopesFor: () => [],
      reserve: async (r: { amount: bigint }) => {
        seen.reserved.push(r.amount);
        return { ok: true, value: { requestId: 'req_t' } };
      },
    },
  } as unknown as GatewayDeps;
  return { d, seen };
}

const caller = {
  key: { id: 'key_t', rpm: null, tpm: 1_000_000, allowedModels: null },
  tenant: { id: 'ten_t', settings: {} },
  user: { id: 'usr_t' },
} as unknown as GatewayCaller;

/** The caller with other key limits. */
const callerWith = (limits: { rpm?: number | null; tpm?: number | null }) =>
  ({ ...caller, key: { ...caller.key, ...limits } }) as GatewayCaller;

const input = (over: Partial<AdmitInput>): AdmitInput => ({
  caller,
  requestId: 'req_t',
  model: 'm',
  kind: 'chat',
  promptTokens: 10,
  requestedOutput: 100,
  defaultOutput: 50,
  requestPreferences: undefined,
  agent: null,
  nowMs: 0,
  ...over,
});

describe('outputChoices', () => {
  it('is chat n, and max(n, best_of) per prompt for legacy completions', () => {
    expect(outputChoices('chat', {})).toBe(1);
    expect(outputChoices('chat', { n: 8 })).toBe(8);
    expect(outputChoices('chat', { n: 8, best_of: 20 })).toBe(8);
    expect(outputChoices('completions', { prompt: 'x', n: 2, best_of: 5 })).toBe(5);
    expect(outputChoices('completions', { prompt: 'x', n: 4, best_of: 2 })).toBe(4);
    expect(outputChoices('completions', { prompt: ['a', 'b', 'c'], best_of: 2 })).toBe(6);
    expect(outputChoices('completions', { prompt: [[1, 2], [3]], n: 2 })).toBe(4);
    expect(outputChoices('completions', { prompt: [1, 2, 3], n: 2 })).toBe(2);
    expect(outputChoices('embeddings', { n: 8 })).toBe(1);
  });

  it('counts a value the provider will refuse as 1, and stays finite', () => {
    expect(outputChoices('chat', { n: '8' })).toBe(1);
    expect(outputChoices('completions', { prompt: 'x', best_of: 2.5 })).toBe(1);
    expect(outputChoices('completions', { prompt: 'x', best_of: -3 })).toBe(1);
    expect(outputChoices('completions', { prompt: ['a', 'b'], best_of: 1e300 })).toBe(2 ** 31 - 1);
  });
});

describe('admit: the reservation covers every completion asked for', () => {
  it('reserves the output cap once per completion, over the dearest deployment', async () => {
    const big = { ...dep('b'), maxOutputTokens: 400 };
    const { d, seen } = deps([dep('a'), big]);
    const one = await admit(d, input({ requestedOutput: 100 }));
    expect(one.ok && one.value.reserved).toBe(110n);
    const eight = await admit(d, input({ requestedOutput: 100, outputChoices: 8 }));
    expect(eight.ok && eight.value.reserved).toBe(10n + 800n);
    // No cap in the request: the deployment's cap (400) or the default (50), times n.
    const uncapped = await admit(d, input({ requestedOutput: null, outputChoices: 3 }));
    expect(uncapped.ok && uncapped.value.reserved).toBe(10n + 1200n);
    expect(seen.reserved).toEqual([110n, 810n, 1210n]);
  });

  it('counts every completion asked for against tpm up front', async () => {
    const { d, seen } = deps([dep('a')]);
    const r = await admit(d, input({ kind: 'completions', requestedOutput: 16, outputChoices: 5 }));
    expect(r.ok && r.value.countedTokens).toBe(10 + 80);
    expect(seen.tpmTokens).toEqual([90]);
  });

  it('counts only the prompt against tpm when no cap was asked for, and never more than the tightest tpm', async () => {
    const { d, seen } = deps([{ ...dep('a'), maxOutputTokens: 400 }]);
    const uncapped = await admit(d, input({ requestedOutput: null, outputChoices: 3 }));
    expect(uncapped.ok && uncapped.value.countedTokens).toBe(10);
    const huge = await admit(d, input({ requestedOutput: 100_000, caller: callerWith({ tpm: 1000 }) }));
    expect(huge.ok && huge.value.countedTokens).toBe(1000);
    expect(seen.tpmTokens).toEqual([10, 1000]);
  });

  it('embeddings reserve no output whatever the choices', async () => {
    const { d } = deps([dep('a')]);
    const r = await admit(d, input({ kind: 'embeddings', requestedOutput: 0, outputChoices: 4 }));
    expect(r.ok && r.value.reserved).toBe(10n);
  });
});
