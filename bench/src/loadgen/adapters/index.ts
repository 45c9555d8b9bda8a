import type { ClientKind } from '../../ipc.js';
import type { Connector } from '../client.js';

/** Loaded on demand, so a run of one system does not load the others' client code. */
export const CONNECTORS: Record<ClientKind, () => Promise<Connector>> = {
  ws: async () => (await import('./ws.js')).connectWs,
  'socket.io': async () => (await import('./socketio.js')).connectSocketIo,
  'socket.io-client': async () => (await import('./socketio-official.js')).connectSocketIoOfficial,
  syncline: async () => (await import('./syncline.js')).connectSyncline,
  sharedb: () => Promise.reject(new Error('sharedb has no pub/sub client (collab workloads only)')),
  'sharedb-json1': () => Promise.reject(new Error('sharedb has no pub/sub client (collab workloads only)')),
  hocuspocus: () => Promise.reject(new Error('hocuspocus has no pub/sub client (collab workloads only)')),
  'ot-relay': () => Promise.reject(new Error('ot-relay has no pub/sub client (collab workloads only)')),
};
