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
    const address = last === undefined ? undefined : withoutPort(last);
    if (address && isIP(address) !== 0) return address;
  }
  return req.socket.remoteAddress ?? '';
}

/** Some proxies (Azure's) write the client's port too: `1.2.3.4:5678`, `[2001:db8::1]:5678`. */
function withoutPort(entry: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1] : entry;
}
