import { type CSSProperties, memo, type ReactNode } from 'react';

/** Another user's caret or selection in a zone's text, in UTF-16 offsets of the text shown. */
export interface RemoteCaret {
  userId: string;
  name: string;
  color: string;
  start: number;
  end: number;
}

interface Props {
  text: string;
  carets: readonly RemoteCaret[];
  scrollTop: number;
  /** The width of the textarea's vertical scrollbar, if it shows one: the text wraps that much narrower. */
  gutter: number;
}

/**
 * Other users' carets and selections drawn over a textarea: a copy of the text laid out exactly as the textarea
 * lays it out (same box, font and wrapping; the stylesheet's `.remote-carets` matches `.zone-text`), written in
 * transparent ink, with a coloured bar at each caret and a tint over each selection. It takes no pointer
 * events, so the textarea under it is used as if it were not there.
 */
export const RemoteCarets = memo(function RemoteCarets({ text, carets, scrollTop, gutter }: Props) {
  const points = new Set<number>([0, text.length]);
  for (const c of carets) {
    points.add(Math.min(c.start, text.length));
    points.add(Math.min(c.end, text.length));
  }
  const cuts = [...points].sort((a, b) => a - b);
  const out: ReactNode[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const at = cuts[i];
    for (const c of carets) {
      if (Math.min(c.end, text.length) !== at) continue;
      out.push(
        <span
          key={`caret-${c.userId}`}
          className="remote-caret"
          data-user-id={c.userId}
          style={{ '--caret-color': c.color } as CSSProperties}
        >
          <span className="remote-caret__name">{c.name}</span>
        </span>,
      );
    }
    const next = cuts[i + 1];
    if (next === undefined || next === at) continue;
    const piece = text.slice(at, next);
    const over = carets.find((c) => c.start <= at && Math.min(c.end, text.length) >= next && c.start < c.end);
    out.push(
      over ? (
        <mark
          key={`sel-${at}`}
          className="remote-selection"
          style={{ '--caret-color': over.color } as CSSProperties}
        >
          {piece}
        </mark>
      ) : (
        piece
      ),
    );
  }
  return (
    <div
      className="remote-carets"
      aria-hidden="true"
      style={gutter > 0 ? { borderRightWidth: gutter + 1 } : undefined}
    >
      <div style={{ transform: `translateY(${-scrollTop}px)` }}>
        {out}
        {/* A final newline would collapse in the copy: keep the line. */}
        {text.endsWith('\n') ? '\u200b' : null}
      </div>
    </div>
  );
});
