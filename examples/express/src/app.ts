import type { Cache } from '@cache/core';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Product, ProductDb } from './db.js';

/** What the routes need; built by `main.ts` (or a test). */
export interface AppDependencies {
  readonly cache: Cache;
  readonly db: ProductDb;
}

// Ids become part of cache keys and tags: accept a bounded, plain alphabet only.
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The Express app: product routes cached read-through, invalidated by tag. */
export function createApp({ cache, db }: AppDependencies): Express {
  const app = express();
  app.use(express.json());

  app.param('id', (_req: Request, res: Response, next: NextFunction, id: string) => {
    if (ID.test(id)) next();
    else res.status(400).json({ error: 'invalid product id' });
  });

  app.get('/products/:id', async (req: Request<{ id: string }>, res: Response) => {
    const { id } = req.params;
    // The factory runs only when the cache had nothing for this key, so "it ran"
    // is exactly "this request queried the database".
    let queried = false;
    const product = await cache.remember(
      `product:${id}`,
      '5m',
      () => {
        queried = true;
        return db.find(id);
      },
      { tags: [`product:${id}`, 'catalog'] },
    );
    res.set('x-cache', queried ? 'miss' : 'hit');
    // A factory result of `undefined` is not cached: unknown ids query the db each time.
    if (product === undefined) res.status(404).json({ error: 'no such product' });
    else res.json(product);
  });

  app.post('/products/:id', async (req: Request<{ id: string }>, res: Response) => {
    const changes = parseChanges(req.body);
    if (changes === undefined) {
      res.status(400).json({ error: 'body must be { name?: string, price?: number }' });
      return;
    }
    const updated = await db.update(req.params.id, changes);
    if (updated === undefined) {
      res.status(404).json({ error: 'no such product' });
      return;
    }
    // Write the source of truth first, then invalidate: a reader between the two
    // sees the old value at worst for that instant, never after.
    await cache.deleteByTag(`product:${req.params.id}`);
    res.json(updated);
  });

  app.post('/admin/flush-catalog', async (_req: Request, res: Response) => {
    await cache.deleteByTag('catalog');
    res.status(204).end();
  });

  app.get('/stats', (_req: Request, res: Response) => {
    res.json({ cache: cache.stats(), db: { queries: db.queries } });
  });

  return app;
}

function parseChanges(body: unknown): Partial<Omit<Product, 'id'>> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { name, price } = body as Record<string, unknown>;
  if (name !== undefined && typeof name !== 'string') return undefined;
  if (price !== undefined && (typeof price !== 'number' || !Number.isFinite(price))) return undefined;
  return { ...(name === undefined ? {} : { name }), ...(price === undefined ? {} : { price }) };
}
