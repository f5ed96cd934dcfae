import { describe, expect, it } from 'vitest';
import type { GatewayCaller } from '../identity/ports.js';
import type { Deployment, ModelEntry, ModelRegistry } from '../routing/ports.js';
import { getModel, listModels } from './models-handler.js';

const served = (name: string): ModelEntry => ({
  name,
  kinds: ['chat'],
  deployments: [{ id: `${name}-d` } as unknown as Deployment],
  free: false,
});
const models: ModelEntry[] = [served('b'), served('a'), { ...served('orphan'), deployments: [] }];
const registry: ModelRegistry = {
  list: () => models,
  resolve: (m) => models.find((e) => e.name === m) ?? null,
};
const caller = (allowedModels: string[] | null) => ({ key: { allowedModels } }) as unknown as GatewayCaller;

describe('models handler', () => {
  it('lists, sorted, the served models the key may use', () => {
    expect(listModels(registry, caller(null), 1).data.map((m) => m.id)).toEqual(['a', 'b']);
    expect(listModels(registry, caller(['b', 'orphan']), 1).data.map((m) => m.id)).toEqual(['b']);
  });

  it('retrieves exactly what the list shows: not a model with no deployment, not a disallowed one', () => {
    expect(getModel(registry, caller(null), 'a', 7)).toEqual({
      id: 'a',
      object: 'model',
      created: 7,
      owned_by: 'tollgate',
    });
    expect(getModel(registry, caller(null), 'orphan', 7)).toBeNull();
    expect(getModel(registry, caller(['a']), 'b', 7)).toBeNull();
    expect(getModel(registry, caller(null), 'nope', 7)).toBeNull();
  });
});
