// Test doubles for the catalog's collaborators: an in-memory versioned price book standing in for
// the money module (PriceWriter + PriceCatalog), and a Core built on a test database.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Core } from '../../src/app/core.js';
import { InProcessBus } from '../../src/bus/bus.js';
import { loadConfig } from '../../src/config/config.js';
import type { Db } from '../../src/db/database.js';
import type { MoneyModule } from '../../src/ledger/module.js';
import type { ModelPrice, PriceCatalog, PriceInput, PriceWriter } from '../../src/pricing/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { parseMoney } from '../../src/shared/money.js';

export class FakePriceBook implements PriceWriter, Pick<PriceCatalog, 'priceAt'> {
  readonly versions: ModelPrice[] = [];
  constructor(private readonly now: () => number) {}

  async setPrice(input: PriceInput): Promise<ModelPrice> {
    const next: ModelPrice = {
      id: `prc_${this.versions.length + 1}`,
      model: input.model,
      deploymentId: input.deploymentId ?? null,
      inputPerMTok: parseMoney(input.inputPerMTok),
      outputPerMTok: parseMoney(input.outputPerMTok),
      cachedInputPerMTok: parseMoney(input.cachedInputPerMTok ?? input.inputPerMTok),
      cacheWritePerMTok: parseMoney(input.cacheWritePerMTok ?? input.inputPerMTok),
      reasoningPerMTok: parseMoney(input.reasoningPerMTok ?? input.outputPerMTok),
      free: input.free ?? false,
      effectiveFrom: input.effectiveFrom ?? this.now(),
    };
    const current = this.exact(next.model, next.deploymentId, next.effectiveFrom);
    const same = (a: ModelPrice, b: ModelPrice) =>
      a.inputPerMTok === b.inputPerMTok &&
      a.outputPerMTok === b.outputPerMTok &&
      a.cachedInputPerMTok === b.cachedInputPerMTok &&
      a.free === b.free;
    if (current && same(current, next)) return current;
    this.versions.push(next);
    return next;
  }

  private exact(model: string, deploymentId: string | null, at: number): ModelPrice | null {
    const found = this.versions.filter(
      (v) => v.model === model && v.deploymentId === deploymentId && v.effectiveFrom <= at,
    );
    return found[found.length - 1] ?? null;
  }

  priceAt(model: string, at: number, deploymentId?: string | null): ModelPrice | null {
    return (deploymentId ? this.exact(model, deploymentId, at) : null) ?? this.exact(model, null, at);
  }
}

export function fakeMoney(book: FakePriceBook | null): MoneyModule {
  return (book ? { prices: book, pricing: book } : {}) as unknown as MoneyModule;
}

export interface TestCore extends Core {
  clock: ManualClock;
  bus: InProcessBus;
}

export function testCore(db: Db, env: Record<string, string> = {}, key: Buffer = randomBytes(32)): TestCore {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tollgate-cat-')),
    ...env,
  });
  return {
    config,
    db,
    bus: new InProcessBus(),
    clock: new ManualClock(),
    log: pino({ level: 'silent' }),
    secrets: { jwtSecret: randomBytes(32), encryptionKey: key },
  };
}
