/** Builds a PDF file from object bodies (object i+1 = bodies[i]) with a correct xref table. */
export function writePdf(bodies: string[], trailer: string): Uint8Array {
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${bodies.length + 1} ${trailer} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

/**
 * A one-page PDF (612 × 792) whose content stream is `content`, with Helvetica as `/F1`. `toUnicode` maps
 * single-byte codes to the text they stand for (a ToUnicode CMap, as embedded fonts have), e.g.
 * `{ A: 'א' }`: how a test gets Hebrew, control characters or other text Helvetica cannot encode.
 */
export function rawTextPdf(content: string, toUnicode?: Record<string, string>): Uint8Array {
  const hex = (s: string) =>
    [...s]
      .map((c) => c.charCodeAt(0).toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase();
  const utf16 = (s: string) =>
    Array.from({ length: s.length }, (_, i) => s.charCodeAt(i).toString(16).padStart(4, '0'))
      .join('')
      .toUpperCase();
  const pairs = Object.entries(toUnicode ?? {});
  const cmap = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Test def /CMapType 2 def',
    '1 begincodespacerange <00> <FF> endcodespacerange',
    `${pairs.length} beginbfchar`,
    ...pairs.map(([code, text]) => `<${hex(code)}> <${utf16(text)}>`),
    'endbfchar endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const bodies = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica${pairs.length ? ' /ToUnicode 6 0 R' : ''} >>`,
  ];
  if (pairs.length) bodies.push(`<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`);
  return writePdf(bodies, '/Root 1 0 R');
}

/**
 * A one-page PDF with `lines` of text in a Japanese font that is not embedded, encoded with the predefined CMap
 * `UniJIS-UCS2-H` (UCS-2 codes): as many Japanese (and Chinese, with `UniGB-UCS2-H`) PDFs are. A reader needs
 * the CMap's data (pdfjs ships it in `pdfjs-dist/cmaps`) to know which characters the codes are. `vertical`:
 * written top to bottom (`UniJIS-UCS2-V`), the first line the rightmost column, the next 20 units left of it,
 * starting at (500, 700).
 */
export function cjkTextPdf(lines: string[], vertical = false): Uint8Array {
  const hex = (text: string) => [...text].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  const next = vertical ? '-20 0 Td' : '0 -14 Td';
  const content = `BT /F1 12 Tf ${vertical ? '500 700' : '72 700'} Td ${lines.map((l) => `<${hex(l)}> Tj`).join(` ${next} `)} ET`;
  return writePdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      `<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /UniJIS-UCS2-${vertical ? 'V' : 'H'} /DescendantFonts [6 0 R] >>`,
      '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor 7 0 R /DW 1000 >>',
      '<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>',
    ],
    '/Root 1 0 R',
  );
}
