import type { DemoEvidence } from './demo-data.js';

/** The bytes of a demo evidence file: the text itself, or a one-page PDF showing it. */
export function demoFileContent(evidence: Pick<DemoEvidence, 'mediaType' | 'text'>): Buffer<ArrayBuffer> {
  return evidence.mediaType === 'application/pdf'
    ? minimalPdf(evidence.text)
    : Buffer.from(evidence.text, 'utf8');
}

/** A small but well-formed PDF (correct cross-reference table) with one line of Helvetica text. */
export function minimalPdf(text: string): Buffer<ArrayBuffer> {
  const escaped = text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (char) => `\\${char}`);
  const stream = `BT /F1 12 Tf 56 780 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = body.length;
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body +=
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries}` +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
