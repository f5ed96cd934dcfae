// Secrets that must survive restarts: from the environment when set, otherwise generated once and
// kept in DATA_DIR/secrets.json (mode 0600) so the embedded default "just works". Multi-node
// deployments must set JWT_SECRET and TOLLGATE_SECRET so every node agrees.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Secrets } from '../app/core.js';
import { ConfigError, type Config } from './config.js';

function decodeKey(value: string): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (buf.length !== 32) {
    throw new ConfigError('invalid configuration:\n  TOLLGATE_SECRET: must be 32 bytes (64 hex characters or base64)');
  }
  return buf;
}

export function loadSecrets(config: Config): { secrets: Secrets; generated: boolean } {
  let stored: { jwtSecret?: string; encryptionKey?: string } = {};
  const file = join(config.DATA_DIR, 'secrets.json');
  const needStore = !config.JWT_SECRET || !config.TOLLGATE_SECRET;
  if (needStore && existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  let generated = false;
  const jwt = config.JWT_SECRET ?? stored.jwtSecret ?? ((generated = true), randomBytes(48).toString('base64url'));
  const enc = config.TOLLGATE_SECRET ?? stored.encryptionKey ?? ((generated = true), randomBytes(32).toString('hex'));
  if (generated) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify({ jwtSecret: jwt, encryptionKey: enc }, null, 2), { mode: 0o600 });
  }
  return { secrets: { jwtSecret: new TextEncoder().encode(jwt), encryptionKey: decodeKey(enc) }, generated };
}
