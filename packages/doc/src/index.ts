export * from './box-change.js';
export * from './caret.js';
export * from './checksum.js';
export * from './compact-op.js';
export * from './conflict-message.js';
export * from './conflicts.js';
export * from './json-value.js';
export * from './nesting.js';
export * from './number-adds.js';
export * from './one-zone.js';
export * from './ops.js';
export * from './ot.js';
export * from './reading-order.js';
export * from './reserved-keys.js';
export * from './undo.js';
export * from './zone.js';
// What a replica applying a run of ops with one copy of the zones needs (the client's deferred remote ops).
export { copyObject, zoneLocalStep } from './zone-local.js';
export * from './zone-name.js';
