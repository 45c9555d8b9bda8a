import { z } from 'zod';
import type { Delivery } from './delivery.js';

/**
 * The event catalogue: what travels inside rooms. Each event has a data schema, a delivery class, who may
 * publish it, and (for ephemeral events) the key it is coalesced by.
 *
 * Schemas are open (`looseObject`): unknown fields are kept, so later versions can add fields without
 * breaking older peers. Fields the server owns (`userId` of the sender) are overwritten by the server.
 */

const id = z.string().min(1).max(128);
const unit = z.number().min(0).max(1);
const finite = z.number().finite();

/** Who may publish an event with `publish`: anyone joined, admins only, or nobody (server-made). */
export type Publisher = 'client' | 'admin' | 'server';

export interface EventSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly delivery: Delivery;
  readonly publisher: Publisher;
  /** For ephemeral events: the coalescing key inside a room (latest value per key wins). */
  readonly coalesceKey?: (data: z.infer<S>, from: string | undefined) => string;
}

const spec = <S extends z.ZodType>(s: EventSpec<S>): EventSpec<S> => s;

export const zoneSchema = z.looseObject({
  id,
  page: z.number().int().min(0).optional(),
  bbox: z.object({ x: finite, y: finite, w: finite, h: finite }).optional(),
  type: z.string().max(32).optional(),
  label: z.string().max(256).optional(),
  confidence: unit.optional(),
  text: z.string().optional(),
  /** The layout analysis' reading order within the page (zones it made; see PROTOCOL.md §13.1). */
  order: z.number().int().min(0).optional(),
});

export const EVENTS = {
  processing_started: spec({
    schema: z.looseObject({ documentId: id, estimatedTime: finite.min(0).optional(), jobId: id.optional() }),
    delivery: 'critical',
    publisher: 'server',
  }),
  processing_progress: spec({
    schema: z.looseObject({
      documentId: id,
      progress: unit,
      currentZone: z.string().max(128).nullish(),
      stage: z.string().max(64).optional(),
      page: z.number().int().min(0).optional(),
      pages: z.number().int().min(0).optional(),
      etaMs: finite.min(0).nullish(),
      jobId: id.optional(),
    }),
    delivery: 'ephemeral',
    publisher: 'server',
    coalesceKey: (d) => `processing:${d.jobId ?? d.documentId}`,
  }),
  processing_completed: spec({
    schema: z.looseObject({
      documentId: id,
      zones: z.union([z.number().int().min(0), z.array(z.unknown())]),
      confidence: unit.optional(),
      jobId: id.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  processing_error: spec({
    schema: z.looseObject({
      documentId: id,
      error: z.string().max(2000),
      recoverable: z.boolean(),
      jobId: id.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  user_join: spec({
    schema: z.looseObject({
      userId: id,
      userName: z.string().max(128).optional(),
      avatar: z.string().max(2048).optional(),
      documentId: id.optional(),
    }),
    delivery: 'normal',
    publisher: 'server',
  }),
  user_leave: spec({
    schema: z.looseObject({ userId: id, documentId: id.optional() }),
    delivery: 'normal',
    publisher: 'server',
  }),
  user_status: spec({
    schema: z.looseObject({
      userId: id,
      status: z.enum(['active', 'idle']),
      /** How many of the user's connections (tabs, devices) are in the room; absent from an older server. */
      connections: z.number().int().min(1).optional(),
      documentId: id.optional(),
    }),
    delivery: 'normal',
    publisher: 'server',
  }),
  cursor_update: spec({
    schema: z.looseObject({
      userId: id.optional(),
      x: finite,
      y: finite,
      page: z.number().int().min(0),
      documentId: id.optional(),
      zoneId: id.nullish(),
      /** The caret or selected range in the zone's text (code points), while editing it. */
      selection: z
        .object({
          start: z.number().int().min(0),
          end: z.number().int().min(0),
          /** The document version the offsets are for (the sender's unconfirmed edits taken out). */
          v: z.number().int().min(0).optional(),
        })
        .refine((s) => s.start <= s.end, 'start must not be after end')
        .nullish(),
    }),
    delivery: 'ephemeral',
    publisher: 'client',
    coalesceKey: (_d, from) => `cursor:${from ?? ''}`,
  }),
  zone_update: spec({
    schema: z.looseObject({
      documentId: id.optional(),
      zoneId: id,
      updates: z.record(z.string(), z.unknown()),
      userId: id.optional(),
      timestamp: finite.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  zone_edit: spec({
    schema: z.looseObject({
      documentId: id.optional(),
      zoneId: id,
      content: z.unknown(),
      userId: id.optional(),
      timestamp: finite.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  zone_create: spec({
    schema: z.looseObject({
      documentId: id.optional(),
      zone: zoneSchema,
      userId: id.optional(),
      timestamp: finite.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  zone_delete: spec({
    schema: z.looseObject({
      documentId: id.optional(),
      zoneId: id,
      userId: id.optional(),
      timestamp: finite.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  system_status: spec({
    schema: z.looseObject({
      status: z.enum(['healthy', 'degraded', 'maintenance', 'shutting_down']),
      load: z.number().min(0),
      connections: z.number().int().min(0),
    }),
    delivery: 'ephemeral',
    publisher: 'server',
    coalesceKey: () => 'system_status',
  }),
  maintenance_mode: spec({
    schema: z.looseObject({ enabled: z.boolean(), message: z.string().max(1000).optional() }),
    delivery: 'critical',
    publisher: 'admin',
  }),
  export_progress: spec({
    schema: z.looseObject({
      exportId: id,
      progress: unit,
      format: z.string().max(32),
      documentId: id.optional(),
    }),
    delivery: 'ephemeral',
    publisher: 'server',
    coalesceKey: (d) => `export:${d.exportId}`,
  }),
  export_completed: spec({
    schema: z.looseObject({
      exportId: id,
      downloadUrl: z.string().max(2048),
      format: z.string().max(32),
      documentId: id.optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** A committed document op that is not a single zone create/update/edit/delete (metadata, several zones). */
  doc_op: spec({
    schema: z.looseObject({ documentId: id, version: z.number().int().min(1), op: z.unknown(), opId: id }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** A user locked a zone (a lease, renewed while held). */
  zone_lock: spec({
    schema: z.looseObject({
      documentId: id,
      zoneId: id,
      userId: id,
      userName: z.string().max(128).optional(),
      expiresAt: finite,
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** A zone lock ended: released, expired, the holder left, or forced by the document's owner. */
  zone_unlock: spec({
    schema: z.looseObject({
      documentId: id,
      zoneId: id,
      userId: id,
      reason: z.enum(['released', 'expired', 'left', 'forced']),
      /** `forced`: who released it (the document's owner), and their display name when the server knows it. */
      byUserId: id.optional(),
      byUserName: z.string().max(128).optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** Sent to a user (their `user:` room) when their op was dropped, altered or rejected. */
  conflict: spec({
    schema: z.looseObject({
      documentId: id,
      zoneId: id.nullish(),
      kind: z.string().max(64),
      byUserId: id.nullish(),
      /** Their display name, when the server knows it. */
      byUserName: z.string().max(128).optional(),
      /** The zone's label when the server knew it (a deleted zone's is gone, so readers cannot look it up). */
      zoneLabel: z.string().max(256).optional(),
      /** The zone's type (`paragraph`, ...), page and first words, when the server knew them (as `zoneLabel`). */
      zoneType: z.string().max(64).optional(),
      zonePage: z.number().int().min(0).optional(),
      zoneExcerpt: z.string().max(64).optional(),
      /** `same_attribute`: the attribute (`label`, `bbox`, ...) or meta key both set. */
      attribute: z.string().max(128).optional(),
      opId: id.optional(),
      /**
       * A sentence for the user (`describeConflict` of @syncline/doc): by name, the zone by its label when that
       * tells it apart, else by its type, page and first words.
       */
      message: z.string().max(500),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** Every N ops (at most one a second): the checksum of the document at a version, so clients can check their replica. */
  doc_checksum: spec({
    schema: z.looseObject({ documentId: id, version: z.number().int().min(0), checksum: z.string().max(64) }),
    delivery: 'normal',
    publisher: 'server',
  }),
  /**
   * The document was deleted (`DELETE /api/documents/:id`): its zones, history and files are gone, and opening it
   * again answers `not_found`. Clients close it.
   */
  document_deleted: spec({
    schema: z.looseObject({
      documentId: id,
      /** Who deleted it (the owner or an admin). */
      deletedBy: id.optional(),
      deletedByName: z.string().max(128).optional(),
    }),
    delivery: 'critical',
    publisher: 'server',
  }),
  /** A general-purpose app event (chat, notifications, custom actions). `name` says what it is. */
  app_event: spec({
    schema: z.looseObject({ name: z.string().min(1).max(64) }),
    delivery: 'normal',
    publisher: 'client',
  }),
} as const;

export type EventType = keyof typeof EVENTS;
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['schema']>;
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

export function isEventType(t: unknown): t is EventType {
  return typeof t === 'string' && Object.hasOwn(EVENTS, t);
}

export function eventSpec(t: EventType): EventSpec {
  return EVENTS[t] as EventSpec;
}
