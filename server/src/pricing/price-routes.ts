// Price routes: the operator's versioned price list (GET/POST /api/v1/admin/prices), the read-only
// current prices for every signed-in person (GET /api/v1/prices) and per-tenant multipliers
// (GET/PUT /api/v1/admin/tenants/:id/multiplier).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALL_ROLES, PLATFORM, userOf } from '../http/access.js';
import { audit, requireTenant, type MoneyRoutesContext } from '../ledger/money-routes-context.js';
import { invalid } from '../shared/errors.js';
import { MoneyFormatError, parseMultiplier } from '../shared/money.js';
import { inForceAt } from './price-rules.js';
import {
  adminPriceSchema,
  adminPriceView,
  multiplierSchema,
  multiplierView,
  priceInputSchema,
  priceSchema,
  priceView,
} from './price-schemas.js';

const tags = ['pricing'];
const tenantParams = z.object({ id: z.string().min(1).max(100) });

export function priceRoutes(ctx: MoneyRoutesContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/admin/prices',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Model prices in force now (history=true: every version, future ones included)',
          querystring: z.object({
            history: z
              .enum(['true', 'false'])
              .default('false')
              .transform((v) => v === 'true'),
            model: z.string().min(1).max(200).optional(),
          }),
          response: { 200: z.object({ items: z.array(adminPriceSchema) }) },
        },
      },
      async (req) => {
        const all = req.query.history ? ctx.catalog.allVersions() : ctx.catalog.current(ctx.now());
        const items = all.filter((v) => !req.query.model || v.price.model === req.query.model);
        return { items: items.map(adminPriceView) };
      },
    );

    r.post(
      '/api/v1/admin/prices',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Add a price version (201); rates equal to the version in force then: no change (200)',
          body: priceInputSchema,
          response: { 201: adminPriceSchema, 200: adminPriceSchema },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const user = userOf(req);
        const { version, created } = await ctx.prices.addPriceVersion(
          {
            model: b.model,
            deploymentId: b.deployment_id ?? null,
            inputPerMTok: b.input_per_mtok,
            outputPerMTok: b.output_per_mtok,
            cachedInputPerMTok: b.cached_input_per_mtok ?? null,
            cacheWritePerMTok: b.cache_write_per_mtok ?? null,
            reasoningPerMTok: b.reasoning_per_mtok ?? null,
            ...(b.free !== undefined ? { free: b.free } : {}),
            ...(b.effective_from ? { effectiveFrom: Date.parse(b.effective_from) } : {}),
          },
          user.userId,
        );
        // Unchanged (the version in force already has these rates): nothing was written or audited.
        if (!created) return reply.status(200).send(adminPriceView(version));
        await audit(ctx, req, {
          tenantId: null,
          action: 'price.set',
          targetType: 'model_price',
          targetId: version.price.id,
          changes: { after: adminPriceView(version) },
        });
        return reply.status(201).send(adminPriceView(version));
      },
    );

    r.get(
      '/api/v1/prices',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags,
          summary: 'Current model prices (read-only)',
          response: { 200: z.object({ items: z.array(priceSchema) }) },
        },
      },
      async () => ({ items: ctx.catalog.current(ctx.now()).map(priceView) }),
    );

    r.get(
      '/api/v1/admin/tenants/:id/multiplier',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: "A tenant's price multiplier in force now, and its versions",
          params: tenantParams,
          response: { 200: multiplierSchema.extend({ versions: z.array(multiplierSchema) }) },
        },
      },
      async (req) => {
        const tenantId = req.params.id;
        await requireTenant(ctx, tenantId);
        const versions = ctx.catalog.multiplierVersions(tenantId);
        return {
          ...multiplierView(tenantId, inForceAt(versions, ctx.now())),
          versions: versions.map((v) => multiplierView(tenantId, v)),
        };
      },
    );

    r.put(
      '/api/v1/admin/tenants/:id/multiplier',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: "Set a tenant's price multiplier (a new version from effective_from, default now)",
          params: tenantParams,
          body: z.object({
            multiplier: z
              .string()
              .trim()
              .regex(/^\d{1,6}(\.\d{1,6})?$/, 'must be a decimal like "1.25" with at most 6 fraction digits'),
            effective_from: z.iso.datetime({ offset: true }).optional(),
          }),
          response: { 200: multiplierSchema },
        },
      },
      async (req) => {
        const tenantId = req.params.id;
        let ppm: bigint;
        try {
          ppm = parseMultiplier(req.body.multiplier);
        } catch (e) {
          if (e instanceof MoneyFormatError) throw invalid('multiplier', 'must be greater than zero');
          throw e;
        }
        await requireTenant(ctx, tenantId);
        const before = inForceAt(ctx.catalog.multiplierVersions(tenantId), ctx.now());
        const version = await ctx.prices.setMultiplier(
          { tenantId, ppm, ...(req.body.effective_from ? { effectiveFrom: Date.parse(req.body.effective_from) } : {}) },
          userOf(req).userId,
        );
        await audit(ctx, req, {
          tenantId,
          action: 'tenant.multiplier',
          targetType: 'tenant',
          targetId: tenantId,
          changes: { before: multiplierView(tenantId, before), after: multiplierView(tenantId, version) },
        });
        return multiplierView(tenantId, version);
      },
    );
  };
}
