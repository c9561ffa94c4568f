// dynalite ships no types; this is the part the tests use.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** ms a table stays CREATING (0: ACTIVE at once). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** Directory for a persistent LevelDB store (default: in memory). */
    path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
