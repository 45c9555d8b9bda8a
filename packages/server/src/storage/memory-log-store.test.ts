import { describeLogStoreContract } from './log-store.contract.js';
import { MemoryLogStore } from './memory-log-store.js';

describeLogStoreContract('MemoryLogStore', () => new MemoryLogStore());
