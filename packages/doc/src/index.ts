export * from './caret.js';
export * from './checksum.js';
export * from './conflicts.js';
export * from './one-zone.js';
export * from './ops.js';
export * from './ot.js';
export * from './undo.js';
export * from './zone.js';
