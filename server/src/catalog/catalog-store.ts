// Persistence of providers, models and deployments (both dialects, through Kysely). Rows only:
// encryption, validation and change detection live in the service above it.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DeploymentsTable, ModelsTable, ProvidersTable } from '../db/tables/gateway.js';

export type ProviderRow = Selectable<ProvidersTable>;
export type ModelRow = Selectable<ModelsTable>;
export type DeploymentRow = Selectable<DeploymentsTable>;

export interface CatalogSnapshot {
  providers: ProviderRow[];
  models: ModelRow[];
  deployments: DeploymentRow[];
}

export class CatalogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async snapshot(): Promise<CatalogSnapshot> {
    const [providers, models, deployments] = await Promise.all([
      this.db.selectFrom('providers').selectAll().orderBy('id').execute(),
      this.db.selectFrom('models').selectAll().orderBy('name').execute(),
      this.db.selectFrom('deployments').selectAll().orderBy('model_name').orderBy('priority').orderBy('id').execute(),
    ]);
    return { providers, models, deployments };
  }

  listProviders(): Promise<ProviderRow[]> {
    return this.db.selectFrom('providers').selectAll().orderBy('id').execute();
  }

  async getProvider(id: string): Promise<ProviderRow | null> {
    return (await this.db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** `insertOnly`: a concurrent create of the same id fails (unique violation) instead of overwriting. */
  async upsertProvider(row: ProviderRow, insertOnly = false): Promise<void> {
    const { id: _id, created_at: _c, ...rest } = row;
    const insert = this.db.insertInto('providers').values(row);
    await (insertOnly ? insert : insert.onConflict((oc) => oc.column('id').doUpdateSet(rest))).execute();
  }

  /** Deployments (of any model) that use this provider. */
  async deploymentsOfProvider(id: string): Promise<DeploymentRow[]> {
    return this.db.selectFrom('deployments').selectAll().where('provider_id', '=', id).execute();
  }

  async deleteProvider(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('providers').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  listModels(): Promise<ModelRow[]> {
    return this.db.selectFrom('models').selectAll().orderBy('name').execute();
  }

  async getModel(name: string): Promise<{ model: ModelRow; deployments: DeploymentRow[] } | null> {
    const model = await this.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    if (!model) return null;
    const deployments = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('model_name', '=', name)
      .orderBy('priority')
      .orderBy('id')
      .execute();
    return { model, deployments };
  }

  /** Write a model and make its deployments exactly `deployments`, atomically. */
  async saveModel(model: ModelRow, deployments: readonly DeploymentRow[], insertOnly = false): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const { name: _n, created_at: _c, ...rest } = model;
      const insert = trx.insertInto('models').values(model);
      await (insertOnly ? insert : insert.onConflict((oc) => oc.column('name').doUpdateSet(rest))).execute();
      const keep = deployments.map((d) => d.id);
      let del = trx.deleteFrom('deployments').where('model_name', '=', model.name);
      if (keep.length > 0) del = del.where('id', 'not in', keep);
      await del.execute();
      for (const d of deployments) {
        const { id: _id, created_at: _dc, ...drest } = d;
        await trx
          .insertInto('deployments')
          .values(d)
          .onConflict((oc) => oc.column('id').doUpdateSet(drest))
          .execute();
      }
    });
  }

  async deleteModel(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('deployments').where('model_name', '=', name).execute();
      const r = await trx.deleteFrom('models').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
