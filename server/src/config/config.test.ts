import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('starts with no configuration at all on the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.CURRENCY).toBe('USD');
  });

  it('names the variable and the problem for a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with postgres/);
    expect(() => loadConfig({ SUPER_ADMIN_PASSWORD: 'short' })).toThrow(/SUPER_ADMIN_PASSWORD: must be at least 8/);
    expect(() => loadConfig({ CURRENCY: 'dollars' })).toThrow(/CURRENCY/);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/);
      expect((e as Error).message).toMatch(/LOG_LEVEL/);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', BILLING_API_KEY: '' }).DATABASE_URL).toBeUndefined();
    // blank numbers too: whitespace must not coerce to 0 (PORT 0 listens on a random port)
    const c = loadConfig({ PORT: ' ', CIRCUIT_BREAKER_COOLDOWN_MS: '  ', UPSTREAM_MAX_RETRIES: '\t' });
    expect([c.PORT, c.CIRCUIT_BREAKER_COOLDOWN_MS, c.UPSTREAM_MAX_RETRIES]).toEqual([8080, 30_000, 2]);
  });

  it("takes seed 001's JWT_EXPIRES_IN as the session lifetime", () => {
    expect(loadConfig({}).JWT_TTL_SECONDS).toBe(900);
    expect(loadConfig({ JWT_EXPIRES_IN: '1h' }).JWT_TTL_SECONDS).toBe(3600);
    expect(loadConfig({ JWT_EXPIRES_IN: '15m' }).JWT_TTL_SECONDS).toBe(900);
    expect(loadConfig({ JWT_EXPIRES_IN: '1d', JWT_TTL_SECONDS: '86400' }).JWT_TTL_SECONDS).toBe(86_400);
    // jsonwebtoken reads a bare "3600" as milliseconds, NestJS setups as seconds: a unit is required.
    expect(() => loadConfig({ JWT_EXPIRES_IN: '3600' })).toThrow(/JWT_EXPIRES_IN: must be a duration/);
    expect(() => loadConfig({ JWT_EXPIRES_IN: '7d' })).toThrow(/JWT_EXPIRES_IN: must be at most 1d/);
    expect(() => loadConfig({ JWT_EXPIRES_IN: '1h', JWT_TTL_SECONDS: '900' })).toThrow(/JWT_EXPIRES_IN: disagrees/);
  });

  it('every setting is documented in tollgate.example.env', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../tollgate.example.env'), 'utf8');
    const missing = Object.keys(configSchema.shape).filter((k) => !new RegExp(`^#?\\s*${k}=`, 'm').test(doc));
    expect(missing).toEqual([]);
  });
});
