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

/**
 * The most characters (UTF-16 units) a chunk has. Consecutive zones (same page, same section) are merged while
 * the chunk stays within it; a longer zone is split into several chunks, between words where it can be.
 */
export const RAG_CHUNK_CHARS = 1000;

/** What separates the texts of a chunk's zones. */
const SEPARATOR = '\n\n';

/** A zone's text, or one piece of it (`offset`: where the piece starts in the zone's trimmed text). */
type Part = { zone: Zone; text: string; offset: number };

/**
 * Chunks for retrieval: zones in reading order, consecutive ones merged while they are on the same page and
 * under the same heading and the chunk stays within `RAG_CHUNK_CHARS`; a heading starts a new chunk, and a
 * zone longer than that is split. Zones without text (figures) are left out.
 */
export async function ragChunks(
  zones: Zone[],
  documentId: string,
  progress: ExportProgress,
): Promise<RagChunk[]> {
  const chunks: RagChunk[] = [];
  let group: Part[] = [];
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
    for (const part of split(z, text)) {
      const last = group[group.length - 1];
      if (
        last &&
        (last.zone === z ||
          last.zone.page !== z.page ||
          groupSection !== section ||
          length + SEPARATOR.length + part.text.length > RAG_CHUNK_CHARS)
      ) {
        flush();
      }
      if (group.length === 0) groupSection = section;
      length += (group.length > 0 ? SEPARATOR.length : 0) + part.text.length;
      group.push(part);
    }
  }
  flush();
  return chunks;
}

/**
 * A zone's text in pieces of at most `RAG_CHUNK_CHARS`: cut at the last line break or space that leaves a
 * piece at least half full; in text without one there (Chinese, Japanese, Thai), at the last word boundary that does;
 * else at the last boundary between characters as people see them (never inside a surrogate pair, an emoji sequence,
 * a flag or a letter with its accents).
 */
function split(zone: Zone, text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  while (text.length - at > RAG_CHUNK_CHARS) {
    const window = text.slice(at, at + RAG_CHUNK_CHARS + 1);
    const half = RAG_CHUNK_CHARS / 2;
    let cut = window.lastIndexOf('\n');
    if (cut < half) cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    if (cut < half) cut = lastBoundary(text, at, 'word', half);
    if (cut < half) cut = lastBoundary(text, at, 'grapheme', 1);
    if (cut < 1) {
      // One "character" longer than a chunk (a letter under a thousand combining marks): anywhere but inside a pair.
      cut = RAG_CHUNK_CHARS;
      const c = window.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
    }
    const piece = window.slice(0, cut).trimEnd();
    parts.push({ zone, text: piece, offset: at });
    at += cut;
    while (at < text.length && /\s/.test(text[at])) at++;
  }
  parts.push({ zone, text: text.slice(at), offset: at });
  return parts;
}

/** What the segmenters read past a chunk's end, so that a boundary at its end is one in the text too. */
const LOOKAHEAD = 64;
const segmenters: Partial<Record<'word' | 'grapheme', Intl.Segmenter>> = {};

/**
 * The last boundary (of words, or of characters as people see them) at most `RAG_CHUNK_CHARS` after `at`, relative to
 * `at`, if it is at least `min`; else -1.
 */
function lastBoundary(text: string, at: number, granularity: 'word' | 'grapheme', min: number): number {
  const segmenter = (segmenters[granularity] ??= new Intl.Segmenter(undefined, { granularity }));
  let last = -1;
  for (const { index } of segmenter.segment(text.slice(at, at + RAG_CHUNK_CHARS + LOOKAHEAD))) {
    if (index > RAG_CHUNK_CHARS) break;
    if (index >= min) last = index;
  }
  return last;
}

function chunk(parts: Part[], documentId: string, section: string | null): RagChunk {
  const zones = parts.map((p) => p.zone);
  const text = parts.map((p) => p.text).join(SEPARATOR);
  const zoneIds = zones.map((z) => z.id);
  const x = Math.min(...zones.map((z) => z.bbox.x));
  const y = Math.min(...zones.map((z) => z.bbox.y));
  const right = Math.max(...zones.map((z) => z.bbox.x + z.bbox.w));
  const bottom = Math.max(...zones.map((z) => z.bbox.y + z.bbox.h));
  let weight = 0;
  let sum = 0;
  const byType = new Map<ZoneType, number>();
  for (const p of parts) {
    const n = Math.max(1, p.text.length);
    weight += n;
    sum += n * p.zone.confidence;
    byType.set(p.zone.type, (byType.get(p.zone.type) ?? 0) + n);
  }
  const type = [...byType.entries()].sort((a, b) => b[1] - a[1])[0][0];
  // A chunk that starts inside a zone (a long zone's later piece) says where, so that repeated text in one
  // zone still gives distinct ids; a chunk of whole zones hashes as it always did.
  const start = parts[0].offset > 0 ? `\u0000@${parts[0].offset}` : '';
  const chunkId = createHash('sha256')
    .update(`${documentId}\u0000${zoneIds.join(',')}\u0000${text}${start}`)
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
