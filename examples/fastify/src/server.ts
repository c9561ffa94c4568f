import Fastify, { type FastifyInstance } from 'fastify';
import { type CachePluginOptions, cachePlugin } from './cache-plugin.js';
import { ReportService } from './reports.js';

// Tenant names become cache namespaces: accept a bounded, plain alphabet only.
const TENANT = { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } as const;
const NAME = { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } as const;

/**
 * The Fastify app: the cache plugin, and routes that cache per tenant in the
 * tenant's namespace. Not listening yet (`main.ts` or a test decides where).
 */
export async function buildServer(
  cacheOptions: CachePluginOptions,
  reports = new ReportService(),
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(cachePlugin, cacheOptions);

  app.get<{ Params: { name: string }; Headers: { 'x-tenant': string } }>(
    '/reports/:name',
    {
      schema: {
        params: { type: 'object', properties: { name: NAME }, required: ['name'] },
        headers: { type: 'object', properties: { 'x-tenant': TENANT }, required: ['x-tenant'] },
      },
    },
    async (request, reply) => {
      const tenant = request.headers['x-tenant'];
      const { name } = request.params;
      // Same key in every tenant: the namespace keeps them apart.
      let computed = false;
      const report = await app.cache.namespace(tenant).remember(`report:${name}`, '10m', () => {
        computed = true;
        return reports.generate(tenant, name);
      });
      reply.header('x-cache', computed ? 'miss' : 'hit');
      return report;
    },
  );

  app.delete<{ Params: { tenant: string } }>(
    '/tenants/:tenant/cache',
    { schema: { params: { type: 'object', properties: { tenant: TENANT }, required: ['tenant'] } } },
    async (request, reply) => {
      // O(1): bumps the namespace's version; other tenants' entries are untouched.
      await app.cache.namespace(request.params.tenant).flush();
      reply.code(204);
    },
  );

  return app;
}
