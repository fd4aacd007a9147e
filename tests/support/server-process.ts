import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { BOUNDS } from './bounds.js';
import { waitFor } from './wait.js';

const tsxLoader = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;

/**
 * The V8 heap limit `npm start` gives the server (package.json): without one, V8 lets a busy server's
 * heap grow far beyond what it holds live before collecting (RSS near 500 MB under the national
 * matrix benchmark, under 300 MB with it). Benchmarks and process tests run the server alike.
 */
export const SERVER_HEAP_LIMIT = '--max-old-space-size=256';

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Waits for the output to match; by default for as long as a process may take to start. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs src/server.ts as `npm start` would (through tsx instead of a build), in `cwd` and with only
 * the given environment, so a developer's own .env or DATABASE_URL never leaks in.
 */
export function startServerProcess(cwd: string, environment: Record<string, string>): ServerProcess {
  const child = spawn(
    process.execPath,
    [SERVER_HEAP_LIMIT, '--import', tsxLoader, join(PROJECT_ROOT, 'src', 'server.ts')],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = BOUNDS.processStart) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          cleanUp();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`Timed out waiting for ${String(pattern)}. Output so far:\n${output}`));
        }, timeoutMs);
        const onExit = () => {
          cleanUp();
          reject(new Error(`Server exited while waiting for ${String(pattern)}. Output:\n${output}`));
        };
        const cleanUp = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

/**
 * startServerProcess for the tests of a file: whatever a test started and left running (it failed or
 * timed out part-way) is stopped after it, with SIGTERM so that an embedded PostgreSQL stops too, and
 * SIGKILL if it does not exit within the bound.
 */
export function useServerProcesses(): typeof startServerProcess {
  const started = new Set<ServerProcess>();
  afterEach(async () => {
    const running = [...started].filter((server) => isRunning(server));
    started.clear();
    for (const server of running) server.child.kill('SIGTERM');
    for (const server of running) {
      try {
        await waitFor(() => !isRunning(server), 'a server process to stop after its test');
      } catch {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  }, BOUNDS.processStart);
  return (cwd, environment) => {
    const server = startServerProcess(cwd, environment);
    started.add(server);
    return server;
  };
}

function isRunning(server: ServerProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}
