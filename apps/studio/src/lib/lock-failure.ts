import { type Zone, zoneName } from '@syncline/doc';

/**
 * What the "Could not lock" toast says when my lock of `zone` was refused, in words, never the server's message with
 * the zone's id in it ("zone z-2a64deaa is locked by Ben"): someone else took it a moment before me (`zone_locked`,
 * `holder` named as the viewer names people: "Ben locked the paragraph on page 1 first."). Null when there is nothing
 * to say: the lock was given up before it could be asked for (an Unlock while the document was still opening) or the
 * document closed meanwhile (`closed`). Anything else says the reason the client gives.
 */
export function lockFailure(
  error: { code?: string; message?: string },
  zone: Zone | undefined,
  holder: string | undefined,
): string | null {
  if (error.code === 'closed') return null;
  if (error.code === 'zone_locked') {
    const what = (zone && zoneName(zone)) ?? 'the zone';
    return `${holder ?? 'Someone else'} locked ${what} first.`;
  }
  return error.message || 'The lock could not be taken.';
}
