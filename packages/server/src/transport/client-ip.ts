import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The address of the client that made `req`, for WebSocket upgrades and HTTP requests alike. Behind a proxy
 * (`trustProxy`), the last `X-Forwarded-For` entry: a proxy appends the address it saw to what the client sent, so the
 * first entries are the client's to choose (any address: around the per-address cap, or using up another address's).
 * Without one, or when that entry is not an address, the socket's peer.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean | undefined): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const last = (Array.isArray(fwd) ? fwd.join(',') : fwd)?.split(',').pop()?.trim();
    if (last && isIP(last) !== 0) return last;
  }
  return req.socket.remoteAddress ?? '';
}
