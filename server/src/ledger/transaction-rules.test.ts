// The ledger's pure rules: validity of a transaction and the replay comparison.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, walletAccount, type TransactionInput } from './ports.js';
import {
  contentHash,
  isKnownAccount,
  netByAccount,
  reversingPostings,
  transactionProblem,
} from './transaction-rules.js';

const base: TransactionInput = {
  idempotencyKey: 'k1',
  kind: 'usage_charge',
  tenantId: 'ten_1',
  postings: [
    { account: walletAccount('ten_1'), amount: -5n },
    { account: ACCOUNTS.revenue, amount: 5n },
  ],
  memo: 'm',
  reference: 'req_1',
  at: 1_000,
};

describe('transactionProblem', () => {
  it('accepts a balanced transaction over known accounts', () => {
    expect(transactionProblem(base)).toBeNull();
  });

  it.each([
    ['fewer than two postings', { postings: [{ account: ACCOUNTS.revenue, amount: 0n }] }, /at least two/],
    [
      'a zero amount',
      {
        postings: [
          { account: ACCOUNTS.revenue, amount: 0n },
          { account: ACCOUNTS.adjustments, amount: 0n },
        ],
      },
      /not be zero/,
    ],
    [
      'an unbalanced sum',
      {
        postings: [
          { account: ACCOUNTS.revenue, amount: 5n },
          { account: ACCOUNTS.adjustments, amount: 4n },
        ],
      },
      /sum to 9/,
    ],
    [
      'an unknown account',
      {
        postings: [
          { account: 'bank', amount: 5n },
          { account: ACCOUNTS.adjustments, amount: -5n },
        ],
      },
      /unknown account/,
    ],
    [
      'an empty wallet id',
      {
        postings: [
          { account: 'wallet:', amount: 5n },
          { account: ACCOUNTS.adjustments, amount: -5n },
        ],
      },
      /unknown account/,
    ],
    ['an unknown kind', { kind: 'gift' as never }, /unknown transaction kind/],
    ['no idempotency key', { idempotencyKey: '' }, /idempotency key/],
    ['a fractional time', { at: 1.5 }, /epoch-millisecond/],
  ])('refuses %s', (_name, patch, message) => {
    expect(transactionProblem({ ...base, ...patch } as TransactionInput)).toMatch(message);
  });

  it('refuses every transaction whose postings do not sum to zero', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.bigInt({ min: -1000n, max: 1000n }).filter((a) => a !== 0n),
          { minLength: 2, maxLength: 6 },
        ),
        (amounts) => {
          const postings = amounts.map((amount, i) => ({ account: walletAccount(`t${i}`), amount }));
          const sum = amounts.reduce((a, b) => a + b, 0n);
          return (transactionProblem({ ...base, postings }) === null) === (sum === 0n);
        },
      ),
    );
  });
});

describe('isKnownAccount', () => {
  it('knows the platform accounts and wallet accounts only', () => {
    expect(isKnownAccount(ACCOUNTS.paymentClearing)).toBe(true);
    expect(isKnownAccount('wallet:ten_x')).toBe(true);
    expect(isKnownAccount('platform:other')).toBe(false);
    expect(isKnownAccount('wallet:a b')).toBe(false);
  });
});

describe('contentHash', () => {
  it('ignores `at` and the order of postings', () => {
    const reordered = { ...base, at: 99_999, postings: [...base.postings].reverse() };
    expect(contentHash(reordered)).toBe(contentHash(base));
  });

  it('changes with amounts, accounts, kind, tenant, memo, reference and actor', () => {
    const variants: Partial<TransactionInput>[] = [
      {
        postings: [
          { account: walletAccount('ten_1'), amount: -6n },
          { account: ACCOUNTS.revenue, amount: 6n },
        ],
      },
      {
        postings: [
          { account: walletAccount('ten_2'), amount: -5n },
          { account: ACCOUNTS.revenue, amount: 5n },
        ],
      },
      { kind: 'refund' },
      { tenantId: 'ten_2' },
      { memo: 'other' },
      { reference: 'req_2' },
      { actorId: 'usr_1' },
    ];
    const hashes = new Set([contentHash(base), ...variants.map((v) => contentHash({ ...base, ...v }))]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe('netByAccount and reversingPostings', () => {
  it('nets postings per account and drops accounts that net to zero', () => {
    const net = netByAccount([
      { account: 'a', amount: 5n },
      { account: 'a', amount: -5n },
      { account: 'b', amount: 3n },
      { account: 'b', amount: 4n },
    ]);
    expect([...net]).toEqual([['b', 7n]]);
  });

  it('a reversal nets every account of the original to zero', () => {
    const all = [...base.postings, ...reversingPostings(base.postings)];
    expect(netByAccount(all).size).toBe(0);
    expect(transactionProblem({ ...base, postings: reversingPostings(base.postings) })).toBeNull();
  });
});
