import { randomUUID } from 'node:crypto';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

// Small but real files of each kind evidence accepts (and some it refuses), built in the test so no
// binary fixtures live in the repository. Each call gives different bytes unless told otherwise.

export function pdfFile(marker: string = randomUUID()): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% ${marker}\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n` +
      `2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A 1x1 PNG header (signature, IHDR, a text chunk to vary the bytes, IEND). */
export function pngFile(marker: string = randomUUID()): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('tEXt', Buffer.from(`Comment\0${marker}`, 'latin1')),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function jpegFile(marker: string = randomUUID()): Buffer {
  const comment = Buffer.from(marker);
  const commentLength = Buffer.alloc(2);
  commentLength.writeUInt16BE(comment.length + 2);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.from([0xff, 0xfe]),
    commentLength,
    comment,
    Buffer.from([0xff, 0xd9]),
  ]);
}

/**
 * A zip archive with its entries stored (not compressed), or deflated where an entry says so, as
 * Office and OpenDocument files are. `declaredSize` overrides the uncompressed size the archive
 * states (for archives that lie about it).
 */
export function storedZip(
  entries: readonly { name: string; content: string | Buffer; deflate?: boolean; declaredSize?: number }[],
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const content = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content);
    const crc = crc32(content);
    const data = entry.deflate ? deflateRawSync(content) : content;
    const method = entry.deflate ? 8 : 0;
    const size = entry.declaredSize ?? content.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

const OOXML_MAIN: Record<'docx' | 'xlsx' | 'pptx', { part: string; contentType: string }> = {
  docx: {
    part: '/word/document.xml',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  },
  xlsx: {
    part: '/xl/workbook.xml',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  },
  pptx: {
    part: '/ppt/presentation.xml',
    contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  },
};

/** A minimal Word, Excel or PowerPoint file; `extra` entries are added after its own (deflated ones too). */
export function officeOpenXmlFile(
  kind: 'docx' | 'xlsx' | 'pptx',
  marker: string = randomUUID(),
  extra: Parameters<typeof storedZip>[0] = [],
): Buffer {
  const main = OOXML_MAIN[kind];
  return storedZip([
    {
      name: '[Content_Types].xml',
      content:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="${main.part}" ContentType="${main.contentType}"/></Types>`,
    },
    { name: main.part.slice(1), content: `<?xml version="1.0"?><!-- ${marker} --><root/>` },
    ...extra,
  ]);
}

export function openDocumentFile(
  kind: 'text' | 'spreadsheet' | 'presentation',
  marker: string = randomUUID(),
) {
  return storedZip([
    { name: 'mimetype', content: `application/vnd.oasis.opendocument.${kind}` },
    { name: 'content.xml', content: `<?xml version="1.0"?><!-- ${marker} --><office:document-content/>` },
  ]);
}

/**
 * A Word, Excel or PowerPoint 97-2003 file's skeleton: an OLE compound file header (512-byte
 * sectors) and a directory sector holding the root entry, the document's main stream and any `extra`
 * entries (storages or streams: a VBA project's, for one).
 */
export function oleOfficeFile(
  streamName: 'WordDocument' | 'Workbook' | 'PowerPoint Document',
  extra: readonly { name: string; type: 'storage' | 'stream' }[] = [],
): Buffer {
  const file = Buffer.alloc(512 * 3);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
  file.writeUInt16LE(0x003e, 24); // minor version
  file.writeUInt16LE(0x0003, 26); // major version 3
  file.writeUInt16LE(0xfffe, 28); // little-endian
  file.writeUInt16LE(9, 30); // 512-byte sectors
  file.writeUInt16LE(6, 32); // 64-byte mini sectors
  file.writeUInt32LE(1, 44); // one FAT sector
  file.writeUInt32LE(0, 48); // directory starts at sector 0
  file.writeUInt32LE(0xfffffffe, 60); // no mini FAT
  file.writeUInt32LE(0xfffffffe, 68); // no DIFAT sectors
  file.writeUInt32LE(1, 76); // the FAT is sector 1
  for (let index = 1; index < 109; index++) file.writeUInt32LE(0xffffffff, 76 + index * 4);
  const entry = (index: number, name: string, type: number) => {
    const offset = 512 + index * 128;
    const encoded = Buffer.from(name, 'utf16le');
    encoded.copy(file, offset);
    file.writeUInt16LE(encoded.length + 2, offset + 64);
    file[offset + 66] = type;
  };
  entry(0, 'Root Entry', 5);
  entry(1, streamName, 2);
  extra.forEach(({ name, type }, index) => entry(2 + index, name, type === 'storage' ? 1 : 2));
  return file;
}

/** A Linux program: the ELF header of a 64-bit little-endian executable. */
export function linuxExecutable(): Buffer {
  const file = Buffer.alloc(128);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(file, 0);
  file.writeUInt16LE(2, 16); // e_type: executable
  file.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  return file;
}

/** A Windows program: "MZ" and a DOS header. */
export function windowsExecutable(): Buffer {
  const file = Buffer.alloc(256);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x80, 0x3c);
  file.write('PE\0\0', 0x80, 'latin1');
  return file;
}

/**
 * A PDF whose document catalog runs something when opened: `action` is the action dictionary's body
 * (e.g. "/S /JavaScript /JS (app.alert(1))" or "/S /Launch /F (calc.exe)").
 */
export function pdfWithAction(action: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>\nendobj\n` +
      `2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n` +
      `3 0 obj\n<< ${action} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
  );
}

/**
 * A PDF 1.5 file whose objects (the catalog and a JavaScript open action) are inside a compressed
 * object stream, where no /JavaScript appears in the file's own bytes.
 */
export function pdfWithScriptInObjectStream(): Buffer {
  const objects = '<< /Type /Catalog /OpenAction 4 0 R >> << /S /JavaScript /JS (app.alert(1)) >>';
  const header = `1 0 4 ${String(objects.indexOf('<< /S'))} `;
  const stream = deflateSync(Buffer.from(header + objects));
  return Buffer.concat([
    Buffer.from(
      `%PDF-1.5\n2 0 obj\n<< /Type /ObjStm /N 2 /First ${String(header.length)} /Filter /FlateDecode /Length ${String(stream.length)} >>\nstream\n`,
    ),
    stream,
    Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  ]);
}

/** A PDF with a picture stream of random bytes: what binary data inside streams looks like. */
export function pdfWithBinaryStream(data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n` +
        `3 0 obj\n<< /Type /XObject /Subtype /Image /Length ${String(data.length)} >>\nstream\n`,
    ),
    data,
    Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  ]);
}

/** A PDF that is also a web page: markup right after the PDF header, where content sniffers look. */
export function htmlPdfPolyglot(): Buffer {
  return Buffer.concat([
    Buffer.from('%PDF-1.4\n%<html><body><script>document.title="polyglot"</script></body></html>\n'),
    pdfFile().subarray('%PDF-1.4\n'.length),
  ]);
}

/** A PNG that is also a web page: a text chunk holding a script near the start. */
export function pngHtmlPolyglot(): Buffer {
  const png = pngFile();
  const afterHeader = 8 + 25; // signature, then the IHDR chunk
  return Buffer.concat([
    png.subarray(0, afterHeader),
    pngChunk('tEXt', Buffer.from('Comment\0<script>alert(document.domain)</script>', 'latin1')),
    png.subarray(afterHeader),
  ]);
}
