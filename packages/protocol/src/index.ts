export * from './codec.js';
export * from './codes.js';
export * from './delivery.js';
export * from './events.js';
export * from './messages.js';
export * from './rooms.js';
export * from './validate.js';
export * from './version.js';
