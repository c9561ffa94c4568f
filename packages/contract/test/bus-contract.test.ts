import { MemoryBus } from '@cache/core';
import { runBusContract } from '../src/index.js';

// One MemoryBus per channel: buses "on the same channel" are the same in-process bus.
const channels = new Map<string, MemoryBus>();
const shared = (channel: string): MemoryBus => {
  let bus = channels.get(channel);
  if (bus === undefined) {
    bus = new MemoryBus();
    channels.set(channel, bus);
  }
  return bus;
};

runBusContract({
  name: 'MemoryBus',
  // Each "connection" is a view of the channel's bus, so closing one leaves the others.
  create: ({ channel }) => {
    const bus = shared(channel);
    let closed = false;
    const subscriptions: { unsubscribe(): Promise<void> }[] = [];
    return {
      name: 'memory',
      publish: (message, options) =>
        closed ? Promise.reject(new Error('closed')) : bus.publish(message, options),
      subscribe: async (listener) => {
        const subscription = await bus.subscribe(listener);
        subscriptions.push(subscription);
        return subscription;
      },
      close: async () => {
        closed = true;
        await Promise.all(subscriptions.map((s) => s.unsubscribe()));
      },
    };
  },
  disconnect: async () => {
    for (const bus of channels.values()) bus.interrupt();
  },
});
