// Which error a refused reservation answers with, per scope kind (HTTP 402 everywhere; the
// gateway renders OpenAI's insufficient_quota envelope with this code).
import { AppError, type ErrorCode } from '../shared/errors.js';
import type { ScopeKind } from './ports.js';

const CODES: Record<ScopeKind, { code: ErrorCode; message: string }> = {
  wallet: { code: 'insufficient_balance', message: 'insufficient wallet balance for this request' },
  tenant: { code: 'budget_exceeded', message: 'the organization budget for this period is exhausted' },
  user: { code: 'user_budget_exceeded', message: 'your user budget for this period is exhausted' },
  key: { code: 'key_budget_exceeded', message: 'the budget of this API key is exhausted' },
  agent: { code: 'agent_budget_exceeded', message: 'the budget of this agent is exhausted' },
};

export function refusalFor(kind: ScopeKind, scopeKey: string): AppError {
  const { code, message } = CODES[kind];
  return new AppError(code, message, { scope: scopeKey });
}
