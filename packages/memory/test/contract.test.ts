import { runCacheContract, runStoreContract } from '@cache/contract';
import { MemoryStore } from '../src/index.js';

// Reference mode: the facade keeps values by reference (peekValue/putValue).
runStoreContract({ name: 'memory (reference)', create: ({ prefix }) => new MemoryStore({ prefix }) });
runCacheContract({ name: 'memory (reference)', create: ({ prefix }) => new MemoryStore({ prefix }) });

// Copy mode: every value goes through the codec as bytes, like a networked store.
runStoreContract({
  name: 'memory (copy)',
  create: ({ prefix }) => new MemoryStore({ prefix, values: 'copy' }),
});
runCacheContract({
  name: 'memory (copy)',
  create: ({ prefix }) => new MemoryStore({ prefix, values: 'copy' }),
});

// Shaping turns the by-reference path off even in reference mode: bytes all the way.
runCacheContract({
  name: 'memory (reference store, gzip + encryption)',
  create: ({ prefix }) => new MemoryStore({ prefix }),
  cacheOptions: { compression: 'gzip', encryption: { key: new Uint8Array(32).fill(7) } },
});
