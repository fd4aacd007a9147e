import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import busboy from 'busboy';
import { ValidationFailed } from '../errors.js';
import { formBody, textField } from '../forms.js';
import { closeAfterResponse } from '../middleware/close-after-response.js';
import { verifyCsrfToken } from '../middleware/csrf.js';
import type { ReceivedFile } from './evidence.service.js';

// Reads an evidence upload form as it streams in: the text fields, then one file which is hashed and
// counted on the way. The size limit holds while streaming: at one byte over it, reading stops and
// the rest of the request is never read (readUploadForm closes the connection once answered).

export type UploadFields = Record<string, string>;

export type UploadRead =
  | { outcome: 'file'; fields: UploadFields; file: ReceivedFile }
  | { outcome: 'no-file'; fields: UploadFields }
  | { outcome: 'too-large'; fields: UploadFields };

export interface UploadReadOptions {
  maxBytes: number;
  /** The name of the file input. */
  fileField: string;
  /**
   * Called with the fields read so far when the file starts, before any of its bytes are read; throw
   * to refuse (the CSRF check: the form puts its token before the file).
   */
  beforeFile: (fields: UploadFields) => void;
}

// Room for the form's text fields and multipart framing around the file itself.
const FORM_OVERHEAD_BYTES = 64 * 1024;

export function readUpload(req: Request, options: UploadReadOptions): Promise<UploadRead> {
  return new Promise<UploadRead>((resolve, reject) => {
    const fields: UploadFields = {};
    let fileName: string | undefined;
    let received: { content: Buffer<ArrayBuffer>; sha256: string; sizeBytes: number } | undefined;
    let settled = false;
    let requestBytes = 0;

    let parser: busboy.Busboy;
    try {
      parser = createParser(req, options.maxBytes);
    } catch {
      // Not multipart at all, or no boundary: the request is not an upload form.
      reject(unreadable());
      return;
    }

    function countRequestBytes(chunk: Buffer) {
      requestBytes += chunk.length;
      // Everything counts (a second file, padding): no request makes us read without end.
      if (requestBytes > options.maxBytes + FORM_OVERHEAD_BYTES) settle({ outcome: 'too-large', fields });
    }

    /** Stops reading the request: nothing more is pulled from the connection. */
    function stopReading() {
      req.unpipe(parser);
      req.off('data', countRequestBytes);
      req.pause();
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      // Not from inside the parser's own callback (where this may run): it would trip over itself.
      setImmediate(() => parser.destroy());
    }

    function settle(result: UploadRead | Error) {
      if (settled) return;
      settled = true;
      if (result instanceof Error) {
        stopReading();
        reject(result);
      } else {
        if (result.outcome === 'too-large') stopReading();
        resolve(result);
      }
    }

    parser.on('field', (name, value) => {
      fields[name] = value;
    });

    parser.on('file', (name, stream, info) => {
      // Destroying the parser (on refusal) ends an unfinished file stream with an error: expected.
      stream.on('error', () => undefined);
      if (settled || name !== options.fileField || fileName !== undefined) {
        stream.resume();
        return;
      }
      try {
        options.beforeFile({ ...fields });
      } catch (error) {
        settle(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      fileName = info.filename;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let sizeBytes = 0;
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        sizeBytes += chunk.length;
        if (sizeBytes > options.maxBytes) {
          settle({ outcome: 'too-large', fields });
          return;
        }
        hash.update(chunk);
        chunks.push(chunk);
      });
      stream.on('end', () => {
        received = { content: Buffer.concat(chunks, sizeBytes), sha256: hash.digest('hex'), sizeBytes };
      });
    });

    parser.on('error', () => {
      settle(unreadable());
    });
    parser.on('close', () => {
      if (fileName !== undefined && received) {
        settle({ outcome: 'file', fields, file: { name: fileName, ...received } });
      } else settle({ outcome: 'no-file', fields });
    });
    req.on('error', (error) => settle(error));
    req.on('data', countRequestBytes);
    req.pipe(parser);
  });
}

function createParser(req: Request, maxBytes: number): busboy.Busboy {
  return busboy({
    headers: req.headers,
    defParamCharset: 'utf8',
    // The name as sent, folders and all: a name with a path is refused (fileNameProblem), not cut.
    preservePath: true,
    limits: {
      fieldNameSize: 100,
      fieldSize: 1024,
      fields: 20,
      parts: 25,
      headerPairs: 20,
      // One byte over the limit is all it takes to refuse.
      fileSize: maxBytes + 1,
    },
  });
}

function unreadable(): ValidationFailed {
  return new ValidationFailed({ file: 'The file could not be read. Try uploading it again' });
}

/**
 * An upload form (evidence, imports, a return's workbook): multipart, streamed, with its CSRF token
 * checked before a byte of the file is read; or an ordinary form posted without a file input at all,
 * whose token the CSRF middleware has checked. Whenever the body is left unread (a refusal, a file
 * over the limit) the connection closes once the answer is sent.
 */
export async function readUploadForm(req: Request, res: Response, maxBytes: number): Promise<UploadRead> {
  let read: UploadRead;
  try {
    read = await readForm(req, maxBytes);
  } catch (error) {
    closeAfterResponse(req, res);
    throw error;
  }
  if (read.outcome === 'too-large') closeAfterResponse(req, res);
  return read;
}

async function readForm(req: Request, maxBytes: number): Promise<UploadRead> {
  if (!req.is('multipart/form-data')) {
    const body = formBody(req);
    return {
      outcome: 'no-file',
      fields: Object.fromEntries(Object.keys(body).map((name) => [name, textField(body, name)])),
    };
  }
  const read = await readUpload(req, {
    maxBytes,
    fileField: 'file',
    beforeFile: (fields) => verifyCsrfToken(req, fields._csrf),
  });
  if (read.outcome !== 'file') verifyCsrfToken(req, read.fields._csrf);
  return read;
}
