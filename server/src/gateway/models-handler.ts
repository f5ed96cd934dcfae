// GET /v1/models and /v1/models/:model — OpenAI's list shape, only the models this key may use.
import type { GatewayCaller } from '../identity/ports.js';
import type { ModelEntry, ModelRegistry } from '../routing/ports.js';

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Listed and retrievable: the key may use it and something serves it (a model whose deployments
 *  were all removed would only answer errors). */
const mayUse = (caller: GatewayCaller, m: ModelEntry): boolean =>
  m.deployments.length > 0 && (caller.key.allowedModels === null || caller.key.allowedModels.includes(m.name));

const toObject = (m: ModelEntry, created: number): ModelObject => ({
  id: m.name,
  object: 'model',
  created,
  owned_by: 'tollgate',
});

export function listModels(
  registry: ModelRegistry,
  caller: GatewayCaller,
  created: number,
): { object: 'list'; data: ModelObject[] } {
  const data: ModelObject[] = [];
  for (const m of registry.list()) if (mayUse(caller, m)) data.push(toObject(m, created));
  data.sort((a, b) => a.id.localeCompare(b.id));
  return { object: 'list', data };
}

export function getModel(
  registry: ModelRegistry,
  caller: GatewayCaller,
  id: string,
  created: number,
): ModelObject | null {
  const m = registry.resolve(id);
  return m && mayUse(caller, m) ? toObject(m, created) : null;
}
