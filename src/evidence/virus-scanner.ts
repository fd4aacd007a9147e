import { connect } from 'node:net';
import type { Config, ScannerSettings } from '../config.js';
import type { Logger } from '../logger.js';

// Evidence files go to ClamAV's daemon (clamd) over TCP before anyone may download them. The client is
// our own, about a hundred lines: the npm clients either bundle a command-line scanner runner around
// the protocol (clamscan: probes for local binaries at start-up, reports a time-out or an error as
// "maybe infected"), or are single releases left unmaintained for years. What the app needs is one
// command, INSTREAM, with every outcome told apart: clean, a signature found, scanner unreachable,
// out of time, or an error reply (a file over clamd's StreamMaxLength, for one).

export type ScanVerdict =
  | { result: 'clean' }
  | { result: 'infected'; signature: string }
  /** No scanner in this installation: the file is kept as not checked. */
  | { result: 'not-scanned' }
  | { result: 'failed'; reason: ScanFailure; detail: string };

/** `unavailable`: no connection (not the file's fault); `timed-out` and `error`: this file's scan failed. */
export type ScanFailure = 'unavailable' | 'timed-out' | 'error';

export type ScannerState = 'ok' | 'unreachable' | 'disabled';

export interface VirusScanner {
  /** Whether files are checked at all (pages say so when they are not). */
  enabled: boolean;
  /** For logs: where the scanner is. */
  description: string;
  scan(content: Uint8Array): Promise<ScanVerdict>;
  /** Whether the scanner answers now (for the readiness probe and before a rescan run). */
  state(): Promise<ScannerState>;
}

/** The scanner the configuration names (none when it names none). */
export function createVirusScanner(settings: ScannerSettings): VirusScanner {
  const clamd = settings.clamd;
  if (!clamd) {
    return {
      enabled: false,
      description: 'no virus scanner',
      scan: () => Promise.resolve({ result: 'not-scanned' }),
      state: () => Promise.resolve('disabled'),
    };
  }
  const address = { host: clamd.host, port: clamd.port };
  return {
    enabled: true,
    description: `clamd at ${clamd.host}:${String(clamd.port)}`,
    async scan(content) {
      const reply = await exchange(address, 'zINSTREAM\0', content, clamd.timeoutMs);
      return 'kind' in reply ? verdictOf(reply.text) : reply;
    },
    async state() {
      // A probe answers quickly or not at all.
      const reply = await exchange(address, 'zPING\0', undefined, Math.min(clamd.timeoutMs, PING_TIMEOUT_MS));
      return 'kind' in reply && reply.text === 'PONG' ? 'ok' : 'unreachable';
    },
  };
}

const PING_TIMEOUT_MS = 3_000;
/** INSTREAM chunks; clamd reads each into memory before scanning on. */
const CHUNK_BYTES = 64 * 1024;

/** clamd's answer to INSTREAM: "stream: OK", "stream: <signature> FOUND" or "<message> ERROR". */
function verdictOf(text: string): ScanVerdict {
  if (text === 'stream: OK') return { result: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found?.[1]) return { result: 'infected', signature: found[1] };
  return { result: 'failed', reason: 'error', detail: `clamd answered: ${text}` };
}

type Exchange = { kind: 'reply'; text: string } | { result: 'failed'; reason: ScanFailure; detail: string };

/**
 * Sends one NUL-terminated command (the "z" form) and, for INSTREAM, the content as length-prefixed
 * chunks ending with a zero length; resolves with the reply, whatever happens, within `timeoutMs`.
 */
function exchange(
  address: { host: string; port: number },
  command: string,
  content: Uint8Array | undefined,
  timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(address);
    const received: Buffer[] = [];
    let connected = false;
    let settled = false;
    const settle = (outcome: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const reply = () =>
      Buffer.concat(received)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '')
        .trim();
    const timer = setTimeout(() => {
      settle({
        result: 'failed',
        reason: connected ? 'timed-out' : 'unavailable',
        detail: `no answer from clamd within ${String(timeoutMs)} ms`,
      });
    }, timeoutMs);

    socket.once('connect', () => {
      connected = true;
      void send(socket, command, content).catch(() => undefined);
    });
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      // The reply ends with NUL; clamd may answer before it has read everything (an error).
      if (chunk.includes(0)) settle({ kind: 'reply', text: reply() });
    });
    socket.once('end', () => {
      const text = reply();
      settle(
        text
          ? { kind: 'reply', text }
          : { result: 'failed', reason: 'error', detail: 'clamd closed the connection without an answer' },
      );
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const text = reply();
      if (text) settle({ kind: 'reply', text });
      else
        settle({
          result: 'failed',
          reason: connected ? 'error' : 'unavailable',
          detail: `${error.code ?? 'error'}: ${error.message}`,
        });
    });
  });
}

async function send(socket: ReturnType<typeof connect>, command: string, content: Uint8Array | undefined) {
  // Waits for the socket to take more, or to close (clamd may answer early and hang up).
  const write = (data: Uint8Array | string) =>
    socket.write(data)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
  await write(command);
  if (!content) return;
  for (let offset = 0; offset < content.length && !socket.destroyed; offset += CHUNK_BYTES) {
    const chunk = content.subarray(offset, offset + CHUNK_BYTES);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    await write(length);
    await write(chunk);
  }
  if (!socket.destroyed) await write(Buffer.alloc(4));
}

/** Start-up says plainly when files are not checked for viruses. */
export function warnWithoutScanner(config: Pick<Config, 'scanner'>, logger: Logger): void {
  if (config.scanner.clamd) return;
  if (config.scanner.disabled) {
    logger.warn(
      'CLAMD_DISABLED=true: evidence files are NOT checked for viruses before people download them',
    );
  } else {
    logger.warn(
      'no virus scanner (CLAMD_HOST not set): evidence files are not checked for viruses (local use only)',
    );
  }
}
