import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirusScanner } from '../../src/evidence/virus-scanner.js';
import { freePort } from '../../src/startup.js';
import { BOUNDS } from './bounds.js';
import { waitFor } from './wait.js';

// A real ClamAV daemon (Debian's clamav-daemon) for the test run, started once by the global set-up
// on loopback with a signature database written here: ClamAV's public databases cannot be downloaded
// in CI, and custom signatures make a valid database. Tests reach it through testClamdEnvironment().

/** The standard anti-virus test file: harmless, and matched here by its SHA-256 (a hash signature). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** clamd's name for a match of a custom (unofficial) signature carries this suffix. */
export const EICAR_SIGNATURE = 'Eicar-Test-Signature.UNOFFICIAL';
/** Bytes matched anywhere in any file by a body signature of our own. */
export const MALWARE_MARKER = 'TRACKER-TEST-MALWARE-MARKER-5D1C';
export const MARKER_SIGNATURE = 'Tracker-Test-Marker.UNOFFICIAL';

const CANDIDATES = ['/usr/sbin/clamd', '/usr/bin/clamd'];

export interface TestClamd {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts clamd in the foreground under a small shell that holds the run's pipe: when the run ends,
 * however it ends (done, failed, killed), the pipe closes and the shell stops clamd.
 */
export async function startTestClamd(): Promise<TestClamd> {
  const binary = CANDIDATES.find((path) => existsSync(path));
  if (!binary) {
    throw new Error(
      "clamd not found: install Debian's clamav-daemon (apt-get install -y clamav-daemon; .ci/run does).",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'tracker-clamd-'));
  const port = await freePort();
  const eicar = Buffer.from(EICAR);
  await writeFile(
    join(dir, 'tracker-test.hsb'),
    `${createHash('sha256').update(eicar).digest('hex')}:${String(eicar.length)}:Eicar-Test-Signature:73\n`,
  );
  await writeFile(
    join(dir, 'tracker-test.ndb'),
    `Tracker-Test-Marker:0:*:${Buffer.from(MALWARE_MARKER).toString('hex')}\n`,
  );
  const log = join(dir, 'clamd.log');
  await writeFile(
    join(dir, 'clamd.conf'),
    [
      `DatabaseDirectory ${dir}`,
      `TCPSocket ${String(port)}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `LogFile ${log}`,
      `PidFile ${join(dir, 'clamd.pid')}`,
      ...(process.getuid?.() === 0 ? ['User root'] : []),
      '',
    ].join('\n'),
  );
  const shell = spawn(
    '/bin/sh',
    [
      '-c',
      '"$0" -c "$1" & clamd=$!; read _ignored; kill "$clamd" 2>/dev/null; wait "$clamd"',
      binary,
      join(dir, 'clamd.conf'),
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  const stop = async () => {
    shell.stdin.end();
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const scanner = createVirusScanner({
    clamd: { host: '127.0.0.1', port, timeoutMs: 2_000 },
    disabled: false,
    retryBaseSeconds: 60,
  });
  try {
    await waitFor(
      async () => {
        if (shell.exitCode !== null) throw new Error(`clamd exited at start: ${await logOf(log)}`);
        return (await scanner.state()) === 'ok';
      },
      'clamd to answer PING',
      BOUNDS.processStart,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

async function logOf(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '(no log)');
}

/** The settings that point an app at the run's clamd (set by the global set-up). */
export function testClamdEnvironment(): { CLAMD_HOST: string; CLAMD_PORT: string } {
  const port = process.env.TEST_CLAMD_PORT;
  if (!port) throw new Error('TEST_CLAMD_PORT is not set: run the tests with npm test (Jest global set-up).');
  return { CLAMD_HOST: '127.0.0.1', CLAMD_PORT: port };
}

/** A loopback server that accepts connections and never answers: a scanner that hangs. */
export async function startTarpit(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  const port = await listen(server, 0);
  return {
    port,
    close: () => closeServer(server, sockets),
  };
}

/**
 * A TCP relay to the run's clamd on a port of its own that can be switched off (connections refused,
 * as when the scanner is down) and on again.
 */
export async function startSwitchableClamd(): Promise<{
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}> {
  const target = Number(testClamdEnvironment().CLAMD_PORT);
  const sockets = new Set<Socket>();
  const relay = () =>
    createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
  let server: Server | undefined = relay();
  const port = await listen(server, 0);
  const down = async () => {
    const running = server;
    server = undefined;
    if (running) await closeServer(running, sockets);
  };
  return {
    port,
    down,
    async up() {
      if (server) return;
      server = relay();
      await listen(server, port);
    },
    close: down,
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  return new Promise((resolve) => server.close(() => resolve()));
}
