import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp } from './client-ip.js';

const request = (forwarded?: string | string[]) =>
  ({
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    socket: { remoteAddress: '10.0.0.9' },
  }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('is the socket peer unless a proxy is trusted', () => {
    expect(clientIp(request('203.0.113.7'), false)).toBe('10.0.0.9');
    expect(clientIp(request(), true)).toBe('10.0.0.9');
  });

  it('behind a trusted proxy, takes the entry the proxy appended, not the ones the client sent', () => {
    expect(clientIp(request('1.2.3.4, 203.0.113.7'), true)).toBe('203.0.113.7');
    expect(clientIp(request(['1.2.3.4', '2001:db8::1']), true)).toBe('2001:db8::1');
  });

  it('takes the address of an entry a proxy wrote with its port', () => {
    expect(clientIp(request('1.2.3.4, 203.0.113.7:5678'), true)).toBe('203.0.113.7');
    expect(clientIp(request('[2001:db8::1]:5678'), true)).toBe('2001:db8::1');
    expect(clientIp(request('[2001:db8::1]'), true)).toBe('2001:db8::1');
    expect(clientIp(request('2001:db8::1'), true)).toBe('2001:db8::1'); // a bare IPv6 address ends in hex, not a port
  });

  it('falls back to the socket peer when the last entry is not an address', () => {
    expect(clientIp(request('203.0.113.7, not-an-ip'), true)).toBe('10.0.0.9');
    expect(clientIp(request(''), true)).toBe('10.0.0.9');
  });
});
