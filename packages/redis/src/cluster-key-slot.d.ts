/**
 * Types of `cluster-key-slot` (it ships none): CRC16 of a key modulo 16384, honouring
 * hash tags. A string is hashed as UTF-8.
 */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot of `key`. */
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
