// Storage port: one Kysely instance over either dialect. Everything above this file speaks Kysely;
// only here is the driver chosen. Integer columns are bigint in both dialects (better-sqlite3 with
// safe integers, pg int8 parsed to BigInt), so money never passes through a float.
// The driver of the other dialect is never loaded: each costs megabytes of heap and code in every
// thread that opens a database (main and metering writer), so both are required on first use.
import type BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, type Dialect as KyselyDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';
import { cachingDatabase, ImmediateSqliteDialect, newWriteWaitCounter } from './sqlite-dialect.js';

// Literal specifiers so bundlers and `npm ls` see the dependencies.
const require = createRequire(import.meta.url);
let pgModule: typeof pg | undefined;
const loadPg = (): typeof pg => (pgModule ??= require('pg') as typeof pg);
const loadSqlite = (): typeof BetterSqlite3 => require('better-sqlite3') as typeof BetterSqlite3;

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** The raw better-sqlite3 handle, for batch paths that need prepared statements (sqlite only). */
  readonly sqlite?: BetterSqlite3.Database;
  /** The raw pg pool (postgres only). */
  readonly pool?: pg.Pool;
  /** How it was opened: a worker thread opens its own connection to the same database with it. */
  readonly opened?: OpenDbOptions;
  /** SQLite: connections of this process queued for the write lock (see sqlite-dialect.ts). */
  readonly writeWaiters?: Int32Array;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;

/** pg types: int8 → bigint; numeric (what SUM(bigint) returns) → bigint when integral. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => BigInt(v);
    if (oid === NUMERIC) return (v: string) => (/^-?\d+$/.test(v) ? BigInt(v) : Number(v));
    return loadPg().types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

export interface OpenDbOptions {
  /** `postgres://…` or a SQLite file path (`sqlite:` prefix optional). */
  url: string;
  poolSize?: number;
  /** PostgreSQL schema to use as search_path (tests isolate themselves this way). */
  pgSchema?: string;
  /** SQLite: share the write-lock queue counter of another connection (the writer thread's). */
  writeWaiters?: Int32Array;
}

export function openDb(opts: OpenDbOptions): Db {
  if (/^postgres(ql)?:\/\//.test(opts.url)) {
    const pool = new (loadPg().Pool)({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      types: pgTypes,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    // A dropped idle connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const dialect: KyselyDialect = new PostgresDialect({ pool });
    const kysely = new Kysely<Database>({ dialect });
    return { kysely, dialect: 'postgres', pool, opened: opts, close: () => kysely.destroy() };
  }
  const file = opts.url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const Sqlite = loadSqlite();
  const sqlite = new Sqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Never wait for the write lock inside SQLite (that would block this thread): the dialect
  // retries busy statements asynchronously for up to 5 s instead (sqlite-dialect.ts).
  sqlite.pragma('busy_timeout = 0');
  sqlite.pragma('foreign_keys = ON');
  sqlite.defaultSafeIntegers(true);
  const writeWaiters = opts.writeWaiters ?? newWriteWaitCounter();
  const kysely = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: cachingDatabase(sqlite) }, writeWaiters),
  });
  return {
    kysely,
    dialect: 'sqlite',
    sqlite,
    opened: { ...opts, writeWaiters },
    writeWaiters,
    close: () => kysely.destroy(),
  };
}

/** bigint | number | string from a driver → number (counts, tokens, ms timestamps). */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v);
  if (v === null || v === undefined) return 0;
  throw new TypeError(`not a number: ${String(v)}`);
}

/** bigint | number | string from a driver → bigint (money). */
export function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  if (v === null || v === undefined) return 0n;
  throw new TypeError(`not an integer: ${String(v)}`);
}
