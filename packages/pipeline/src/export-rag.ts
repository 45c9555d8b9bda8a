import { createHash } from 'node:crypto';
import type { BBox, Zone, ZoneType } from '@syncline/doc';
import type { ExportProgress } from './export-progress.js';

/** One line of a RAG export. */
export type RagChunk = {
  /** Hash of the document id, the zone ids and the text: an unchanged chunk keeps its id across exports. */
  chunkId: string;
  documentId: string;
  page: number;
  /** The union of the chunk's zones' boxes. */
  bbox: BBox;
  /** The type of the zone with the most text (a heading's chunk says `heading` only if it is all heading). */
  type: ZoneType;
  /** The mean of the zones' confidences, weighted by their text length. */
  confidence: number;
  /** The heading this chunk falls under (the latest one in reading order), or null before the first. */
  section: string | null;
  zoneIds: string[];
  text: string;
};

/** Consecutive zones (same page, same section) are merged while the chunk stays within this many characters. */
export const RAG_CHUNK_CHARS = 1000;

/**
 * Chunks for retrieval: zones in reading order, consecutive ones merged while they are on the same page and
 * under the same heading and the chunk stays short; a heading starts a new chunk. Zones without text
 * (figures) are left out.
 */
export async function ragChunks(
  zones: Zone[],
  documentId: string,
  progress: ExportProgress,
): Promise<RagChunk[]> {
  const chunks: RagChunk[] = [];
  let group: Zone[] = [];
  let section: string | null = null;
  let groupSection: string | null = null;
  let length = 0;
  const flush = () => {
    if (group.length > 0) chunks.push(chunk(group, documentId, groupSection));
    group = [];
    length = 0;
  };
  for (let i = 0; i < zones.length; i++) {
    await progress.step(i);
    const z = zones[i];
    const text = z.text.trim();
    if (text === '') continue;
    if (z.type === 'heading') {
      flush();
      section = text.replace(/\s+/g, ' ');
    }
    const last = group[group.length - 1];
    if (
      last &&
      (last.page !== z.page || groupSection !== section || length + text.length > RAG_CHUNK_CHARS)
    ) {
      flush();
    }
    if (group.length === 0) groupSection = section;
    group.push(z);
    length += text.length;
  }
  flush();
  return chunks;
}

function chunk(zones: Zone[], documentId: string, section: string | null): RagChunk {
  const text = zones.map((z) => z.text.trim()).join('\n\n');
  const zoneIds = zones.map((z) => z.id);
  const x = Math.min(...zones.map((z) => z.bbox.x));
  const y = Math.min(...zones.map((z) => z.bbox.y));
  const right = Math.max(...zones.map((z) => z.bbox.x + z.bbox.w));
  const bottom = Math.max(...zones.map((z) => z.bbox.y + z.bbox.h));
  let weight = 0;
  let sum = 0;
  const byType = new Map<ZoneType, number>();
  for (const z of zones) {
    const n = Math.max(1, z.text.length);
    weight += n;
    sum += n * z.confidence;
    byType.set(z.type, (byType.get(z.type) ?? 0) + n);
  }
  const type = [...byType.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const chunkId = createHash('sha256')
    .update(`${documentId}\u0000${zoneIds.join(',')}\u0000${text}`)
    .digest('hex')
    .slice(0, 24);
  return {
    chunkId,
    documentId,
    page: zones[0].page,
    bbox: { x, y, w: right - x, h: bottom - y },
    type,
    confidence: Math.round((sum / weight) * 1000) / 1000,
    section,
    zoneIds,
    text,
  };
}
