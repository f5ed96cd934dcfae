// Apply the operator's file at start-up: the file wins for what it declares (its providers and
// models are upserted and marked managed_by='file'); everything created through the API stays.
// Re-applying the same file writes nothing.
import { systemContext } from '../identity/context.js';
import { AppError } from '../shared/errors.js';
import type { CatalogFile } from './catalog-schema.js';
import { UnknownProviderError, type CatalogService, type WriteResult } from './catalog-service.js';
import { CatalogFileError } from './config-file.js';

export interface ApplySummary {
  providers: Record<WriteResult, number>;
  models: Record<WriteResult, number>;
}

const counts = (): Record<WriteResult, number> => ({ created: 0, updated: 0, unchanged: 0 });

export async function applyCatalogFile(
  service: CatalogService,
  file: CatalogFile,
  fileName: string,
): Promise<ApplySummary> {
  const summary: ApplySummary = { providers: counts(), models: counts() };
  for (const p of file.providers) {
    const { id, ...fields } = p;
    // Absent in the file means "none": the file is the whole truth about what it declares.
    const r = await service.saveProvider(
      id,
      { ...fields, api_key: fields.api_key ?? null, headers: fields.headers ?? {}, status: fields.status ?? 'active' },
      'file',
      systemContext,
    );
    summary.providers[r]++;
  }
  for (const [i, m] of file.models.entries()) {
    const { name, ...fields } = m;
    try {
      summary.models[await service.saveModel(name, fields, 'file', systemContext)]++;
    } catch (e) {
      if (e instanceof UnknownProviderError) {
        throw new CatalogFileError(fileName, [
          {
            path: `models[${i}].deployments[${e.index}].provider`,
            line: null,
            message: `unknown provider "${e.providerId}" (declare it under providers: or create it through the admin API)`,
          },
        ]);
      }
      if (e instanceof AppError)
        throw new CatalogFileError(fileName, [{ path: `models[${i}]`, line: null, message: e.message }]);
      throw e;
    }
  }
  const touched =
    summary.providers.created + summary.providers.updated + summary.models.created + summary.models.updated;
  if (touched > 0) await service.notifyChanged();
  return summary;
}
