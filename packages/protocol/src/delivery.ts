/**
 * Delivery classes. Every message type declares one.
 * - `critical`: logged in the room's durable log (when it is a room event), never dropped, sent first.
 * - `normal`: logged, batched with what else is queued in the same event-loop turn; never dropped.
 * - `ephemeral`: never logged; coalesced by key (the latest value wins); dropped first under pressure.
 */
export type Delivery = 'critical' | 'normal' | 'ephemeral';
export const DELIVERIES: readonly Delivery[] = ['critical', 'normal', 'ephemeral'];

export const isLogged = (d: Delivery): boolean => d !== 'ephemeral';
