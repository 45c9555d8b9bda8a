/** Colours of zone boxes by zone type. (Users' colours are `userColor` of `@syncline/react`.) */
export const ZONE_COLORS: Record<string, string> = {
  heading: '#7c3aed',
  paragraph: '#2563eb',
  list: '#0d9488',
  table: '#d97706',
  figure: '#db2777',
  caption: '#65a30d',
  other: '#6b7280',
};
