import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { BOUNDS } from '../support/bounds.js';
import { waitFor } from '../support/wait.js';

// A test run leaves nothing running however it ends. Each case starts a test run of its own
// (scripts/run-jest.mjs, as npm test does, with its own embedded PostgreSQL) on the files in
// tests/support/run-fixtures, which start processes and never stop them, then ends the run a
// different way and looks for any process that names the run's temporary folder or works inside it.

jest.setTimeout(BOUNDS.processes);

interface InnerRun {
  /** The TMPDIR given to the run: everything it starts lives under it. */
  folder: string;
  markers: string;
  /** The process signalled to stop the run: run-jest.mjs, or the shell that started it. */
  pid: number;
  /** Its exit code, once it and everything that shares its output have ended. */
  ended: Promise<number | null>;
  hasEnded(): boolean;
  output(): string;
}

const runs: InnerRun[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) {
    // A failed case may leave its run going: its watchdog cleans up after it.
    if (isAlive(run.pid)) process.kill(run.pid, 'SIGKILL');
    await waitFor(() => processesUsing(run.folder).length === 0, 'the inner run to be gone');
    await rm(run.folder, { recursive: true, force: true });
  }
});

/**
 * Starts a test run of `fixtures` as npm test would. With `viaShell` it is started the way `npm test`
 * starts it: by a shell running a list of commands, which a SIGTERM to npm ends without passing the
 * signal on. It shares this test's process group, so it stops with this run if this run is stopped.
 */
async function startRun(fixtures: string[], options: { viaShell?: boolean } = {}): Promise<InnerRun> {
  // Short: Chromium's socket goes in it, and a socket's path is at most 107 bytes.
  const folder = await mkdtemp(join(tmpdir(), 'run-'));
  // Run as root, the embedded PostgreSQL runs as the postgres user, which must reach its data inside.
  await chmod(folder, 0o755);
  const markers = join(folder, 'markers');
  await mkdir(markers);
  const jestArguments = [
    join(PROJECT_ROOT, 'scripts', 'run-jest.mjs'),
    '--selectProjects',
    'integration',
    '--roots',
    '<rootDir>/tests/support/run-fixtures',
    // Workers even for a short run (Jest would otherwise run the tests in its own process).
    '--workerIdleMemoryLimit=4GB',
    ...fixtures.map((name) => `tests/support/run-fixtures/${name}.test.ts`),
  ];
  const environment: NodeJS.ProcessEnv = { ...process.env, TMPDIR: folder, RUN_FIXTURE_MARKERS: markers };
  // Its own embedded PostgreSQL, as a developer's run without DATABASE_URL.
  for (const name of ['DATABASE_URL', 'TEST_SERVER_URL', 'TEST_TEMPLATE_DB'])
    Reflect.deleteProperty(environment, name);
  const [command, args] = options.viaShell
    ? ['sh', ['-c', 'true && "$@"', 'sh', process.execPath, ...jestArguments]]
    : [process.execPath, jestArguments];
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let ended = false;
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const run: InnerRun = {
    folder,
    markers,
    pid: child.pid ?? 0,
    ended: new Promise((resolve) =>
      child.once('close', (code) => {
        ended = true;
        resolve(code);
      }),
    ),
    hasEnded: () => ended,
    output: () => output,
  };
  runs.push(run);
  return run;
}

async function waitUntilStarted(run: InnerRun, ...fixtures: string[]): Promise<void> {
  const started = () => fixtures.every((name) => existsSync(join(run.markers, name)));
  await waitFor(
    () => started() || run.hasEnded(),
    () => `the fixtures to start. Output so far:\n${run.output()}`,
    BOUNDS.processStart,
  );
  if (!started()) throw new Error(`The run ended before its fixtures started:\n${run.output()}`);
}

/** The command lines of the processes that name `folder` or work inside it. */
function processesUsing(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process (the postgres user's): its command line tells
      }
      if (command.includes(folder) || cwd.startsWith(folder)) found.push(`${pid}: ${command}`);
    } catch {
      // ended while being read
    }
  }
  return found;
}

const postmasters = (lines: string[]) => lines.filter((line) => / -D \S*\/data /.test(line));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Nothing of the run is left: no process, no temporary folder of its own. */
async function expectNothingLeft(run: InnerRun): Promise<void> {
  await waitFor(
    () => processesUsing(run.folder).length === 0,
    () => `the run's processes to end: ${processesUsing(run.folder).join('\n')}`,
  );
  expect(readdirSync(run.folder).filter((name) => name.startsWith('tracker-run-'))).toEqual([]);
}

test('Ctrl-C mid-run: the PostgreSQL servers, the app and Chromium all stop', async () => {
  const run = await startRun(['leaves-processes']);
  await waitUntilStarted(run, 'leaves-processes');
  const running = processesUsing(run.folder);
  // The run's own PostgreSQL and the test's, the app (it works in the folder) and Chromium (its profile).
  expect(postmasters(running)).toHaveLength(2);
  expect(running.some((line) => line.includes('src/server.ts'))).toBe(true);
  expect(running.some((line) => line.includes('--user-data-dir='))).toBe(true);

  process.kill(run.pid, 'SIGINT');
  expect(await run.ended).toBe(130);
  await expectNothingLeft(run);
  expect(run.output()).toContain('run-jest: stopped by SIGINT');
});

test('SIGTERM to npm test (its shell ends, the signal goes no further): the run stops', async () => {
  const run = await startRun(['waits'], { viaShell: true });
  await waitUntilStarted(run, 'waits');
  expect(postmasters(processesUsing(run.folder))).toHaveLength(1);

  process.kill(run.pid, 'SIGTERM');
  await run.ended;
  await expectNothingLeft(run);
  expect(run.output()).toContain('run-jest: stopped by SIGTERM');
});

test('a crashed worker and a set-up that fails: the run ends, and stops what they left', async () => {
  const run = await startRun(['crashes-worker', 'fails-in-set-up']);
  expect(await run.ended).toBe(1);
  expect(existsSync(join(run.markers, 'crashes-worker'))).toBe(true);
  expect(existsSync(join(run.markers, 'fails-in-set-up'))).toBe(true);
  await expectNothingLeft(run);
  // Both test files' servers were still running when Jest ended, and the run says so.
  expect(run.output()).toContain('run-jest: stopped 2 process(es) the tests left running');
});

test('run-jest.mjs itself killed outright: its watchdog stops the rest', async () => {
  const run = await startRun(['waits']);
  await waitUntilStarted(run, 'waits');
  expect(postmasters(processesUsing(run.folder))).toHaveLength(1);

  process.kill(run.pid, 'SIGKILL');
  await run.ended;
  await expectNothingLeft(run);
});
