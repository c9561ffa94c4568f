import { MemoStore } from '@cache/core';
import { runStoreContract } from '../src/index.js';
import { MapBackend, MapStore } from './map-store.js';

const backend = new MapBackend();

runStoreContract({ name: 'MapStore', create: ({ prefix }) => new MapStore({ prefix, backend }) });

runStoreContract({
  name: 'MemoStore over MapStore',
  create: ({ prefix }) => new MemoStore(new MapStore({ prefix, backend })),
});
