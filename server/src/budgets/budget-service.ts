// The BudgetService: all-or-nothing reservations across scopes, served from leases in memory,
// settled to the actual cost; background upkeep renews leases in use, returns idle ones (after
// metering recorded their spends), expires forgotten reservations and sweeps dead holders' leases.
import type { GatewayCaller } from '../identity/ports.js';
import { err, ok, type AppError, type Result } from '../shared/errors.js';
import { MAX_AMOUNT } from '../shared/money.js';
import type { BudgetStore, CounterRef } from './budget-store.js';
import type { DefinitionCache } from './definition-cache.js';
import type { LocalLease } from './local-lease.js';
import { definedCounter, inlineCounter } from './counter-ref.js';
import { scopeKey, type BudgetService, type ReserveRequest, type ScopeRef, type SpendAttribution } from './ports.js';
import { tenantTimeZone, UTC } from './period.js';
import { refusalFor } from './refusal.js';
import { ScopePool } from './scope-pool.js';

export interface BudgetServiceOptions {
  store: BudgetStore;
  definitions: DefinitionCache;
  holder: string;
  now: () => number;
  leaseTtlMs: number;
  reservationTtlMs: number;
  onError?: (e: unknown) => void;
}

interface Hold {
  scope: ScopeRef;
  lease: LocalLease;
  pool: ScopePool;
  amount: bigint;
}

interface Reservation {
  requestId: string;
  /**
   * Every scope the call was reserved for, as the caller passed them (not copied: the hot path
   * allocates no array for it), including scopes without a budget: metering counts their spend
   * directly, so "used" is right when a budget is set later. Only `holds` carry money.
   */
  scopes: readonly ScopeRef[];
  holds: Hold[];
  expiresAt: number;
}

/** Expired reservations are remembered this long so a late settle still gets its scopes. */
const EXPIRED_MEMORY = 10_000;

export class LeasedBudgetService implements BudgetService {
  private readonly pools = new Map<string, ScopePool>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly expired = new Map<string, readonly ScopeRef[]>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly o: BudgetServiceOptions) {}

  scopesFor(caller: GatewayCaller, agent?: string | null): ScopeRef[] {
    const t = caller.tenant.id;
    const scopes: ScopeRef[] = [
      { kind: 'wallet', id: t },
      { kind: 'tenant', id: t },
      { kind: 'user', id: caller.user.id },
    ];
    if (caller.key.budget !== null) {
      const scope: ScopeRef = {
        kind: 'key',
        id: caller.key.id,
        limit: caller.key.budget,
        period: caller.key.budgetPeriod,
      };
      const tz = tenantTimeZone(caller.tenant.settings);
      if (tz !== UTC) scope.timeZone = tz;
      scopes.push(scope);
    }
    if (agent) scopes.push({ kind: 'agent', id: `${t}/${agent}` });
    return scopes;
  }

  /** Where a scope's money is counted now; null = no budget applies to this scope. */
  async counterFor(scope: ScopeRef, now: number): Promise<CounterRef | null> {
    const key = scopeKey(scope);
    if (scope.kind === 'wallet' || scope.limit !== undefined) return inlineCounter(scope, now);
    const cached = this.o.definitions.peek(key, now);
    const def = cached !== undefined ? cached : await this.o.definitions.get(key, now);
    return def ? definedCounter(scope.kind, key, def, now) : null;
  }

  /** Without I/O: every definition cached and every scope served by a lease held here. */
  private reserveFromMemory(req: ReserveRequest, now: number): boolean {
    const holds: Hold[] = [];
    for (const scope of req.scopes) {
      const counter = this.counterFromMemory(scope, now);
      if (counter === null) continue; // no budget: nothing to hold, still attributed (req.scopes)
      const pool = counter && this.pools.get(counter.scopeKey);
      const lease = pool ? pool.holdLocal(req.amount, counter!.periodStart, now) : null;
      if (!lease) {
        for (const h of holds) h.lease.unhold(h.amount);
        return false;
      }
      if (pool!.runningLow(lease)) pool!.prefetch(counter!, req.amount);
      holds.push({ scope, lease, pool: pool!, amount: req.amount });
    }
    this.reservations.set(req.requestId, {
      requestId: req.requestId,
      scopes: req.scopes,
      holds,
      expiresAt: now + this.o.reservationTtlMs,
    });
    return true;
  }

  /** counterFor from memory only: undefined = unknown here (needs the async path). */
  private counterFromMemory(scope: ScopeRef, now: number): CounterRef | null | undefined {
    if (scope.kind === 'wallet' || scope.limit !== undefined) return inlineCounter(scope, now);
    const key = scopeKey(scope);
    const def = this.o.definitions.peek(key, now);
    if (def === undefined) return undefined;
    return def === null ? null : definedCounter(scope.kind, key, def, now);
  }

  async reserve(req: ReserveRequest): Promise<Result<{ requestId: string }, AppError>> {
    if (this.reservations.has(req.requestId)) return ok({ requestId: req.requestId });
    const now = this.o.now();
    if (req.amount > 0n && this.reserveFromMemory(req, now)) return ok({ requestId: req.requestId });
    // Scopes with a budget (money to hold); the others are only attributed (req.scopes).
    const applicable: { scope: ScopeRef; counter: CounterRef }[] = [];
    for (const scope of req.scopes) {
      const counter = await this.counterFor(scope, now);
      if (counter) applicable.push({ scope, counter });
    }
    // More than any wallet or budget may hold (a request asking for ~1e308 output tokens): refused
    // here, before storage meets a number its 64-bit columns cannot bind.
    const first = applicable[0];
    if (req.amount > MAX_AMOUNT && first) return err(refusalFor(first.scope.kind, first.counter.scopeKey));
    const holds: Hold[] = [];
    if (req.amount > 0n) {
      for (const { scope, counter } of applicable) {
        const pool = this.pool(counter.scopeKey);
        const lease = await pool.hold(counter, req.amount);
        if (!lease) {
          for (const h of holds) this.dropHold(h);
          return err(refusalFor(scope.kind, counter.scopeKey));
        }
        holds.push({ scope, lease, pool, amount: req.amount });
      }
    }
    this.reservations.set(req.requestId, {
      requestId: req.requestId,
      scopes: req.scopes,
      holds,
      expiresAt: now + this.o.reservationTtlMs,
    });
    return ok({ requestId: req.requestId });
  }

  settle(requestId: string, actual: bigint): SpendAttribution {
    const res = this.reservations.get(requestId);
    if (!res) return { scopes: this.expired.get(requestId) ?? [], leases: {} };
    this.reservations.delete(requestId);
    const now = this.o.now();
    const leases: Record<string, string> = {};
    for (const h of res.holds) {
      h.lease.settle(h.amount, actual, now);
      leases[scopeKey(h.scope)] = h.lease.id;
      // An exact lease gives its unused part back at once: the budget is tight.
      if (h.lease.row.exact && actual < h.lease.amount) {
        const back = h.lease.amount - actual;
        h.lease.amount = actual;
        this.track(this.o.store.shrink({ ...h.lease.row }, back));
      }
    }
    return { scopes: res.scopes, leases };
  }

  release(requestId: string): void {
    const res = this.reservations.get(requestId);
    if (!res) return;
    this.reservations.delete(requestId);
    for (const h of res.holds) this.dropHold(h);
  }

  private dropHold(h: Hold): void {
    h.lease.unhold(h.amount);
    if (h.lease.row.exact && h.lease.idle() && h.lease.spent === 0n) this.endLease(h.pool, h.lease, true);
  }

  private pool(key: string): ScopePool {
    let p = this.pools.get(key);
    if (!p) {
      p = new ScopePool(key, {
        store: this.o.store,
        holder: this.o.holder,
        ttlMs: this.o.leaseTtlMs,
        now: this.o.now,
        marginMs: Math.min(1000, this.o.leaseTtlMs / 4),
        track: (x) => this.track(x),
        drain: () => this.drain(),
      });
      this.pools.set(key, p);
    }
    return p;
  }

  /** Give a lease back; unless forced, only once metering recorded what was spent from it. */
  private endLease(pool: ScopePool, lease: LocalLease, force: boolean): void {
    if (lease.closing) return;
    lease.closing = true;
    const flushed = lease.spent < lease.amount ? lease.spent : lease.amount;
    const p = this.o.store.end(lease.id, 'returned', { minUsed: force ? 0n : flushed }).then((r) => {
      if (r === 'not_flushed') {
        lease.closing = false; // try again on a later tick
        return;
      }
      pool.remove(lease);
      pool.noteEnded(lease, this.o.now());
    });
    this.track(p);
  }

  /**
   * Upkeep, run by a timer (and by tests with a ManualClock): expire reservations, give back idle
   * leases, renew leases in use, sweep leases whose holder died.
   */
  async tick(): Promise<void> {
    const now = this.o.now();
    for (const res of [...this.reservations.values()]) {
      if (res.expiresAt > now) continue;
      this.release(res.requestId);
      this.rememberExpired(res);
    }
    const renew: LocalLease[] = [];
    const idleAfter = this.o.leaseTtlMs;
    // Spends not recorded by metering this long after the last settle are given up on.
    const flushGrace = 2 * this.o.leaseTtlMs;
    for (const pool of this.pools.values()) {
      for (const lease of [...pool.leases]) {
        if (lease.closing) continue;
        if (lease.idle()) {
          const quiet = now - lease.lastUsedAt;
          const spentUp = lease.row.exact || lease.free() === 0n;
          if (spentUp || quiet >= idleAfter) this.endLease(pool, lease, quiet >= flushGrace);
        }
        // Renew also while a return waits for metering to record the lease's spends.
        if (lease.expiresAt - now < (this.o.leaseTtlMs * 2) / 3) renew.push(lease);
      }
      if (pool.leases.length === 0 && !pool.busy() && !this.hasHolds(pool)) this.pools.delete(pool.scopeKey);
    }
    if (renew.length > 0) {
      const expiresAt = now + this.o.leaseTtlMs;
      const alive = await this.o.store.renew(
        renew.map((l) => l.id),
        expiresAt,
      );
      for (const l of renew) {
        if (alive.has(l.id)) l.expiresAt = expiresAt;
        else {
          // Swept while we could not renew: its money went back to the counter; stop using it.
          l.closing = true;
          this.pools.get(l.row.scopeKey)?.remove(l);
        }
      }
    }
    await this.o.store.sweepExpired(now);
    await this.drain();
  }

  private hasHolds(pool: ScopePool): boolean {
    return pool.leases.some((l) => !l.idle());
  }

  private rememberExpired(res: Reservation): void {
    if (this.expired.size >= EXPIRED_MEMORY) this.expired.delete(this.expired.keys().next().value!);
    this.expired.set(res.requestId, res.scopes);
  }

  /** Wait for background DB work (settle/release returns) to finish. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.o.onError?.(e)).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  /** Live reservations and leases held (tests, metrics). */
  stats(): { reservations: number; leases: number } {
    let leases = 0;
    for (const p of this.pools.values()) leases += p.leases.length;
    return { reservations: this.reservations.size, leases };
  }

  /** Budget definitions changed: drop cached entries and the "tight" hints. */
  invalidate(key?: string): void {
    this.o.definitions.invalidate(key);
    for (const p of this.pools.values()) if (!key || p.scopeKey === key) p.loosen();
  }

  /** Graceful shutdown (after metering flushed): release what is left and return every lease. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.reservations.keys()]) this.release(id);
    await this.drain();
    for (const pool of this.pools.values()) for (const l of [...pool.leases]) this.endLease(pool, l, true);
    await this.drain();
    this.pools.clear();
  }
}
