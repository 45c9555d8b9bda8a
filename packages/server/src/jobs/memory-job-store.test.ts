import { describeJobStoreContract } from './job-store.contract.js';
import { MemoryJobStore } from './memory-job-store.js';

describeJobStoreContract('MemoryJobStore', () => new MemoryJobStore());
