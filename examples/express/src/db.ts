/** A product row. */
export interface Product {
  readonly id: string;
  readonly name: string;
  readonly price: number;
}

/**
 * A stand-in for the real database: an in-memory table that counts its queries, so
 * the example (and its test) can show when the cache spared one.
 */
export class ProductDb {
  readonly #rows = new Map<string, Product>();
  #queries = 0;

  constructor(seed: readonly Product[]) {
    for (const row of seed) this.#rows.set(row.id, row);
  }

  /** Queries run so far (reads and writes). */
  get queries(): number {
    return this.#queries;
  }

  /** The product with `id`, or `undefined`; async like a real driver. */
  async find(id: string): Promise<Product | undefined> {
    this.#queries++;
    return this.#rows.get(id);
  }

  /** Applies `changes` to the product with `id`; resolves the new row, or `undefined` if there is none. */
  async update(id: string, changes: Partial<Omit<Product, 'id'>>): Promise<Product | undefined> {
    this.#queries++;
    const row = this.#rows.get(id);
    if (row === undefined) return undefined;
    const updated = { ...row, ...changes, id };
    this.#rows.set(id, updated);
    return updated;
  }
}

/** The rows the example starts with. */
export const SEED_PRODUCTS: readonly Product[] = [
  { id: '1', name: 'Kettle', price: 29.9 },
  { id: '2', name: 'Teapot', price: 19.5 },
  { id: '3', name: 'Mug', price: 6 },
];
