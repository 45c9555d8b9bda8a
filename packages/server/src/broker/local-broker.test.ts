import { describe, expect, it } from 'vitest';
import { describeBrokerContract } from './broker.contract.js';
import { LocalBroker, LocalBus } from './local-broker.js';

describeBrokerContract('LocalBroker', () => {
  const bus = new LocalBus();
  return { node: () => new LocalBroker(bus) };
});

describe('LocalBroker alone', () => {
  it('is not distributed (the hub skips it) and keeps zone locks per document in its own table', async () => {
    const broker = new LocalBroker();
    expect(broker.distributed).toBe(false);
    expect(broker.zoneLocks('d1')).not.toBe(broker.zoneLocks('d1'));
    expect(await broker.setPresence('doc:1', 'u1', { connections: 1 })).toBe('join');
    await broker.close();
  });
});
