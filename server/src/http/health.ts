// Liveness and readiness. `GET /` answers the web app to a browser and JSON health (seed 003) to
// everyone else.
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { HttpDeps } from './app.js';

const health = z.object({ status: z.string(), service: z.string(), timestamp: z.string() });

export async function registerHealthRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const webDist = deps.webDist ?? resolve(import.meta.dirname, '../../../web/dist');
  const hasWeb = () => existsSync(resolve(webDist, 'index.html'));
  const body = () => ({ status: 'ok', service: 'tollgate', timestamp: new Date().toISOString() });

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (wantsHtml && hasWeb()) return reply.type('text/html').sendFile('index.html', webDist);
    return body();
  });
  app.get(
    '/health',
    { config: { access: 'public' }, schema: { tags: ['health'], response: { 200: health } } },
    async () => body(),
  );
  app.get('/ready', { config: { access: 'public' }, schema: { tags: ['health'] } }, async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ready' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
  });
}
