// Identity module: tenants, people, sessions, API keys, audit, service keys. (P1)
import type { Core, Module } from '../app/core.js';
import type { KeyAuthenticator, RequestAuthenticator } from './ports.js';

export interface IdentityModule extends Module {
  authenticator: RequestAuthenticator;
  keys: KeyAuthenticator;
}

export async function createIdentityModule(_core: Core): Promise<IdentityModule> {
  const authenticator = { authenticate: async () => null };
  const keys = {
    authenticate: async () => ({ ok: false as const, reason: 'invalid' as const }),
    touch: () => {},
  };
  return { authenticator, keys };
}
