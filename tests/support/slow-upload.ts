import { request, type IncomingHttpHeaders } from 'node:http';
import type { Agent } from './app.js';

// An evidence upload sent over a real connection a part at a time, so a test can do something (kill
// the server, stop it) while the request is on its way.

export interface UploadReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SlowUpload {
  /** Sends the first `bytes` of the body; resolves once they are handed to the network. */
  sendPart(bytes: number): Promise<void>;
  /** Sends the rest of the body. */
  finish(): Promise<void>;
  /** The server's reply; rejects if the connection fails first (e.g. the server was killed). */
  reply: Promise<UploadReply>;
  totalBytes: number;
}

/** The session cookies a supertest agent holds for `url`, as a Cookie header. */
export function cookieHeader(agent: Agent, url: string): string {
  const { hostname, pathname } = new URL(url);
  // cookiejar reads only these four fields; its class is not a dependency of ours to import.
  const access = { domain: hostname, path: pathname, secure: false, script: false };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return agent.jar.getCookies(access).toValueString();
}

/** Starts the upload form's POST (the CSRF token first, then the file, as the browser sends it). */
export function startSlowUpload(options: {
  url: string;
  cookie: string;
  token: string;
  file: { content: Buffer; name: string };
}): SlowUpload {
  const boundary = `slow-upload-${Date.now().toString(36)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${options.token}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.file.name}"\r\n` +
        'Content-Type: application/pdf\r\n\r\n',
    ),
    options.file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const outgoing = request(options.url, {
    method: 'POST',
    headers: {
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(body.length),
      Cookie: options.cookie,
    },
  });
  const reply = new Promise<UploadReply>((resolve, reject) => {
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  // A test that only looks at the reply later must not see an unhandled rejection meanwhile.
  reply.catch(() => undefined);
  let sent = 0;
  const write = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      outgoing.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  return {
    totalBytes: body.length,
    reply,
    async sendPart(bytes) {
      const end = Math.min(sent + bytes, body.length);
      const chunk = body.subarray(sent, end);
      sent = end;
      await write(chunk);
    },
    async finish() {
      const rest = body.subarray(sent);
      sent = body.length;
      await new Promise<void>((resolve) => outgoing.end(rest, resolve));
    },
  };
}
