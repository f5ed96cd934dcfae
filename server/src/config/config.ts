// Configuration: every setting Tollgate reads, validated once at start. Only main.ts calls
// loadConfig(process.env); everything else receives the typed Config. Documented in
// tollgate.example.env (keep the two in step).
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const DURATION_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** `postgres://…` for PostgreSQL; unset (or `sqlite:<path>`) for the embedded SQLite file. */
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
      .optional(),
  ),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code')
    .default('USD'),

  SUPER_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  SUPER_ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, 'must be at least 8 characters').optional()),
  /** HMAC secret for session JWTs; generated and kept in DATA_DIR when unset. */
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_TTL_SECONDS: int(30, 86_400).default(900),
  /** Seed 001's name for the session lifetime, as a duration ("1h", "15m"); sets JWT_TTL_SECONDS. */
  JWT_EXPIRES_IN: optionalString.pipe(
    z
      .string()
      .trim()
      .regex(/^\d{1,6}\s*[smhd]$/, 'must be a duration with a unit, like 900s, 15m, 1h or 1d')
      .transform((v) => Number(v.slice(0, -1).trim()) * DURATION_UNIT_SECONDS[v.slice(-1)]!)
      .pipe(z.number().int().min(30, 'must be at least 30s').max(86_400, 'must be at most 1d'))
      .optional(),
  ),
  REFRESH_TTL_SECONDS: int(300, 365 * 86_400).default(30 * 86_400),
  LOGIN_MAX_ATTEMPTS: int(1, 100).default(5),
  LOGIN_LOCK_MINUTES: int(1, 24 * 60).default(15),
  /** Sign-in, registration, refresh and invite-acceptance requests per minute from one IP (0: no limit). */
  AUTH_IP_RPM: int(0, 100_000).default(30),
  INVITE_TTL_HOURS: int(1, 24 * 30).default(72),
  REGISTRATION_ENABLED: bool.default(true),
  REGISTRATION_TENANT_STATUS: z.enum(['pending', 'active']).default('pending'),
  /** Key for AES-256-GCM encryption of provider secrets: 32 bytes as 64 hex chars or base64. */
  TOLLGATE_SECRET: optionalString,

  BILLING_API_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ADMIN_SECRET_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),

  ADMIN_BODY_LIMIT_BYTES: int(1024).default(1024 * 1024),
  GATEWAY_BODY_LIMIT_BYTES: int(1024).default(8 * 1024 * 1024),
  /** Browser origins allowed to call the API from another site (comma-separated; `*` = any). */
  CORS_ORIGINS: optionalString.pipe(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o.length > 0),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(/^(\*|https?:\/\/[^/\s]+)$/, 'each origin must look like https://admin.example.com (no path), or *'),
        ),
      )
      .optional(),
  ),
  TRUST_PROXY: bool.default(false),
  /** How long a stop waits for requests in progress before it closes every connection. */
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),

  TOLLGATE_CONFIG: optionalString,
  UPSTREAM_TIMEOUT_MS: int(1000).default(600_000),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: int(100).default(30_000),
  UPSTREAM_MAX_RETRIES: int(0, 10).default(2),
  /** Output tokens a reservation assumes when neither the request nor the deployment caps them. */
  GATEWAY_DEFAULT_MAX_OUTPUT_TOKENS: int(1, 10_000_000).default(4096),
  ROUTING_STRATEGY: z.enum(['priority', 'weighted', 'lowest-cost', 'lowest-latency']).default('priority'),
  /** Consecutive retryable failures that open a deployment's circuit. */
  CIRCUIT_BREAKER_FAILURES: int(1, 1000).default(5),
  /** How long an open circuit skips the deployment before one trial call. */
  CIRCUIT_BREAKER_COOLDOWN_MS: int(0).default(30_000),
  /** Retry back-off: first delay scale and cap (jittered exponential). */
  RETRY_BACKOFF_BASE_MS: int(0).default(100),
  RETRY_BACKOFF_MAX_MS: int(0).default(2_000),

  RESERVATION_TTL_SECONDS: int(10).default(900),
  LEASE_TTL_SECONDS: int(1).default(30),
  METERING_BATCH_SIZE: int(1, 100_000).default(5000),
  METERING_FLUSH_MS: int(1, 60_000).default(50),
  /** A partial batch of gateway events only (nobody waits on the write) waits up to this. */
  METERING_GATEWAY_FLUSH_MS: int(1, 60_000).default(250),
  /** Where batches are written: a worker thread (auto: unless the database is SQLite :memory:) or inline. */
  METERING_WRITER: z.enum(['auto', 'worker', 'inline']).default('auto'),
  /** Worker writer: target length of one write transaction (bounds SQLite write-lock waits). */
  METERING_TXN_MS: int(1, 10_000).default(50),
  KEY_CACHE_TTL_SECONDS: int(1).default(60),

  REDIS_URL: optionalString,
  RABBITMQ_URL: optionalString,
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Validate the environment; a bad value throws a ConfigError naming each variable and the problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Blank means unset (a `PORT=` or `PORT= ` line in .env): a blank number would coerce to 0.
  const known = Object.fromEntries(
    Object.keys(configSchema.shape).map((k) => [k, env[k]?.trim() === '' ? undefined : env[k]]),
  );
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.JWT_EXPIRES_IN !== undefined) {
    if (known['JWT_TTL_SECONDS'] !== undefined && config.JWT_TTL_SECONDS !== config.JWT_EXPIRES_IN)
      throw new ConfigError(
        'invalid configuration:\n  JWT_EXPIRES_IN: disagrees with JWT_TTL_SECONDS; set one of them',
      );
    config.JWT_TTL_SECONDS = config.JWT_EXPIRES_IN;
  }
  return config;
}

export function isPostgres(config: Pick<Config, 'DATABASE_URL'>): boolean {
  return config.DATABASE_URL?.startsWith('postgres') ?? false;
}
