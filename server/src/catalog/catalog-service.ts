// Providers and models as the operator manages them (admin API and the YAML file): validation
// that needs the database (provider references, ownership), persistence, audit, prices, and the
// change signal that makes every node rebuild its registry.
import type { Logger } from 'pino';
import type { AuditRecorder } from '../audit/audit-service.js';
import type { EventBus } from '../bus/bus.js';
import type { ManagedBy } from '../db/tables/gateway.js';
import type { ActionContext } from '../identity/context.js';
import type { ModelPrice, PriceCatalog, PriceWriter } from '../pricing/ports.js';
import type { Clock } from '../shared/clock.js';
import { isUniqueViolation } from '../identity/db-errors.js';
import { AppError, conflict, invalid, notFound } from '../shared/errors.js';
import { deploymentRowsFrom, modelRowFrom, providerRowFrom, sameModel, sameProvider } from './catalog-rows.js';
import type { ModelUpdate, PricingSpec, ProviderUpdate } from './catalog-schema.js';
import type { CatalogStore, DeploymentRow, ModelRow, ProviderRow } from './catalog-store.js';
import { modelView, providerView, type ModelView, type ProviderView } from './catalog-views.js';

export interface CatalogServiceDeps {
  store: CatalogStore;
  key: Buffer;
  clock: Clock;
  bus: EventBus;
  log: Logger;
  /** Absent until the money module provides them; prices are then skipped with a warning. */
  prices?: PriceWriter | null;
  pricing?: PriceCatalog | null;
  audit?: AuditRecorder | null;
  /** Rebuild this node's registry (other nodes rebuild on the bus message). */
  reload: () => Promise<void>;
}

export type WriteResult = 'created' | 'updated' | 'unchanged';

/** Raised when a model names a provider that does not exist; the file loader re-labels the path. */
export class UnknownProviderError extends AppError {
  constructor(
    readonly index: number,
    readonly providerId: string,
  ) {
    super('validation_error', `deployments.${index}.provider: unknown provider "${providerId}"`, {
      field: `deployments.${index}.provider`,
    });
  }
}

const fileManaged = (what: string, id: string): AppError =>
  conflict(`${what} "${id}" is managed by the config file (TOLLGATE_CONFIG); change it there`);

export class CatalogService {
  constructor(private readonly deps: CatalogServiceDeps) {}

  private async changed(): Promise<void> {
    await this.deps.reload();
    this.deps.bus.publish('gateway.config.changed', {});
  }

  private async audit(
    ctx: ActionContext,
    action: string,
    targetType: string,
    targetId: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    if (!this.deps.audit) return;
    await this.deps.audit.record({
      actor: ctx.actor,
      tenantId: null,
      action,
      targetType,
      targetId,
      changes: { before, after },
      ip: ctx.ip ?? null,
    });
  }

  private priceOf(model: string): (deploymentId: string | null) => ModelPrice | null {
    const pricing = this.deps.pricing;
    if (!pricing || typeof pricing.priceAt !== 'function') return () => null;
    const now = this.deps.clock.now();
    return (deploymentId) => pricing.priceAt(model, now, deploymentId);
  }

  private async providerViewOf(row: ProviderRow): Promise<ProviderView> {
    const uses = await this.deps.store.deploymentsOfProvider(row.id);
    return providerView(row, this.deps.key, uses.length);
  }

  // ---- providers -------------------------------------------------------------------------

  async listProviders(): Promise<ProviderView[]> {
    const { providers, deployments } = await this.deps.store.snapshot();
    const count = (id: string) => deployments.filter((d) => d.provider_id === id).length;
    return providers.map((p) => providerView(p, this.deps.key, count(p.id)));
  }

  async getProvider(id: string): Promise<ProviderView> {
    const row = await this.deps.store.getProvider(id);
    if (!row) throw notFound('provider');
    return this.providerViewOf(row);
  }

  /** Insert or update a provider row; no write (and no event) when nothing changed. */
  async saveProvider(
    id: string,
    spec: ProviderUpdate,
    managedBy: ManagedBy,
    ctx: ActionContext,
    createOnly = false,
  ): Promise<WriteResult> {
    const existing = await this.deps.store.getProvider(id);
    if (existing && createOnly) throw conflict(`provider "${id}" already exists`);
    const row = providerRowFrom(id, spec, existing, managedBy, this.deps.key, this.deps.clock.now());
    if (existing && sameProvider(existing, row)) return 'unchanged';
    try {
      await this.deps.store.upsertProvider(row, createOnly);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`provider "${id}" already exists`);
      throw e;
    }
    const deployments = (await this.deps.store.deploymentsOfProvider(id)).length;
    await this.audit(
      ctx,
      existing ? 'provider.update' : 'provider.create',
      'provider',
      id,
      existing ? providerView(existing, this.deps.key, deployments) : null,
      providerView(row, this.deps.key, deployments),
    );
    return existing ? 'updated' : 'created';
  }

  async createProvider(id: string, spec: ProviderUpdate, ctx: ActionContext): Promise<ProviderView> {
    await this.saveProvider(id, spec, 'api', ctx, true);
    await this.changed();
    return this.getProvider(id);
  }

  async updateProvider(id: string, spec: ProviderUpdate, ctx: ActionContext): Promise<ProviderView> {
    const existing = await this.deps.store.getProvider(id);
    if (!existing) throw notFound('provider');
    if (existing.managed_by === 'file') throw fileManaged('provider', id);
    if ((await this.saveProvider(id, spec, 'api', ctx)) !== 'unchanged') await this.changed();
    return this.getProvider(id);
  }

  async deleteProvider(id: string, ctx: ActionContext): Promise<void> {
    const existing = await this.deps.store.getProvider(id);
    if (!existing) throw notFound('provider');
    if (existing.managed_by === 'file') throw fileManaged('provider', id);
    const uses = await this.deps.store.deploymentsOfProvider(id);
    if (uses.length > 0) {
      const models = [...new Set(uses.map((d) => d.model_name))].join(', ');
      throw conflict(`provider "${id}" is used by deployments of: ${models}; remove those first`);
    }
    await this.deps.store.deleteProvider(id);
    await this.audit(ctx, 'provider.delete', 'provider', id, providerView(existing, this.deps.key, 0), null);
    await this.changed();
  }

  // ---- models ----------------------------------------------------------------------------

  async listModels(): Promise<ModelView[]> {
    const { models, deployments } = await this.deps.store.snapshot();
    return models.map((m) =>
      modelView(
        m,
        deployments.filter((d) => d.model_name === m.name),
        this.priceOf(m.name),
      ),
    );
  }

  async getModel(name: string): Promise<ModelView> {
    const found = await this.deps.store.getModel(name);
    if (!found) throw notFound('model');
    return modelView(found.model, found.deployments, this.priceOf(name));
  }

  private async checkDeployments(
    name: string,
    rows: readonly DeploymentRow[],
    explicitIds: readonly (string | undefined)[],
  ): Promise<void> {
    const { providers, deployments } = await this.deps.store.snapshot();
    const known = new Set(providers.map((p) => p.id));
    rows.forEach((d, i) => {
      if (!known.has(d.provider_id)) throw new UnknownProviderError(i, d.provider_id);
      const other = deployments.find((x) => x.id === d.id && x.model_name !== name);
      if (other && explicitIds[i])
        throw invalid(`deployments.${i}.id`, `deployment id "${d.id}" belongs to model "${other.model_name}"`);
    });
  }

  /** Insert or update a model and its deployments (exactly those given) and apply its prices. */
  async saveModel(
    name: string,
    spec: ModelUpdate,
    managedBy: ManagedBy,
    ctx: ActionContext,
    createOnly = false,
  ): Promise<WriteResult> {
    const now = this.deps.clock.now();
    const existing = await this.deps.store.getModel(name);
    if (existing && createOnly) throw conflict(`model "${name}" already exists`);
    const row: ModelRow = modelRowFrom(name, spec, existing?.model ?? null, managedBy, now);
    const deployments = deploymentRowsFrom(name, spec.deployments, existing?.deployments ?? [], managedBy, now);
    await this.checkDeployments(
      name,
      deployments,
      spec.deployments.map((d) => d.id),
    );
    let result: WriteResult = existing ? 'updated' : 'created';
    if (existing && sameModel(existing.model, row, existing.deployments, deployments)) {
      result = 'unchanged';
    } else {
      try {
        await this.deps.store.saveModel(row, deployments, createOnly);
      } catch (e) {
        if (isUniqueViolation(e))
          throw conflict(createOnly ? `model "${name}" already exists` : 'a deployment id is already in use');
        throw e;
      }
      const before = existing ? modelView(existing.model, existing.deployments, () => null) : null;
      await this.audit(
        ctx,
        existing ? 'model.update' : 'model.create',
        'model',
        name,
        before,
        modelView(row, deployments, () => null),
      );
    }
    // Prices are versioned by the money module, which ignores a price equal to the current one.
    const priced = await this.applyPrices(name, spec, deployments, ctx);
    return result === 'unchanged' && priced ? 'updated' : result;
  }

  /** @returns whether a new price version was written. */
  private async applyPrices(
    name: string,
    spec: ModelUpdate,
    deployments: readonly DeploymentRow[],
    ctx: ActionContext,
  ): Promise<boolean> {
    const wanted: { deploymentId: string | null; pricing: PricingSpec | null; free: boolean }[] = [];
    if (spec.pricing || spec.free) wanted.push({ deploymentId: null, pricing: spec.pricing ?? null, free: spec.free });
    spec.deployments.forEach((d, i) => {
      if (d.pricing) wanted.push({ deploymentId: deployments[i]!.id, pricing: d.pricing, free: spec.free });
    });
    if (wanted.length === 0) return false;
    const writer = this.deps.prices;
    if (!writer || typeof writer.setPrice !== 'function') {
      this.deps.log.warn({ model: name }, 'prices not applied: the money module has no price writer yet');
      return false;
    }
    const actorId = ctx.actor.kind === 'user' ? ctx.actor.userId : null;
    const current = this.priceOf(name);
    let wrote = false;
    for (const w of wanted) {
      const before = current(w.deploymentId)?.id ?? null;
      const p = w.pricing;
      const price = await writer.setPrice(
        {
          model: name,
          deploymentId: w.deploymentId,
          inputPerMTok: p?.input_per_mtok ?? '0',
          outputPerMTok: p?.output_per_mtok ?? '0',
          cachedInputPerMTok: p?.cached_input_per_mtok ?? null,
          cacheWritePerMTok: p?.cache_write_per_mtok ?? null,
          reasoningPerMTok: p?.reasoning_per_mtok ?? null,
          free: w.free,
        },
        actorId,
      );
      if (price.id !== before) wrote = true;
    }
    return wrote;
  }

  async createModel(name: string, spec: ModelUpdate, ctx: ActionContext): Promise<ModelView> {
    await this.saveModel(name, spec, 'api', ctx, true);
    await this.changed();
    return this.getModel(name);
  }

  async updateModel(name: string, spec: ModelUpdate, ctx: ActionContext): Promise<ModelView> {
    const existing = await this.deps.store.getModel(name);
    if (!existing) throw notFound('model');
    if (existing.model.managed_by === 'file') throw fileManaged('model', name);
    if ((await this.saveModel(name, spec, 'api', ctx)) !== 'unchanged') await this.changed();
    return this.getModel(name);
  }

  async deleteModel(name: string, ctx: ActionContext): Promise<void> {
    const existing = await this.deps.store.getModel(name);
    if (!existing) throw notFound('model');
    if (existing.model.managed_by === 'file') throw fileManaged('model', name);
    await this.deps.store.deleteModel(name);
    await this.audit(
      ctx,
      'model.delete',
      'model',
      name,
      modelView(existing.model, existing.deployments, () => null),
      null,
    );
    await this.changed();
  }

  /** Publish a change made outside the CRUD calls above (the file apply). */
  async notifyChanged(): Promise<void> {
    await this.changed();
  }
}
