/** A stable, readable colour for a user (the same on every screen). */
export function userColor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 70% 38%)`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? '?').slice(0, 1);
  return letters.toUpperCase();
}

/** Colours of zone boxes by zone type. */
export const ZONE_COLORS: Record<string, string> = {
  heading: '#7c3aed',
  paragraph: '#2563eb',
  list: '#0d9488',
  table: '#d97706',
  figure: '#db2777',
  caption: '#65a30d',
  other: '#6b7280',
};
