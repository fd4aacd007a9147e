// Stops whatever a test run left running, however the run ended (passed, failed, interrupted, a worker
// crashed): first Jest's process group (Jest, its workers and the app or jobs processes tests start),
// then every process that names the run's own temporary folder or works inside it (each PostgreSQL
// cluster the run started, by its data folder; Chromium, by its profile folder). Then it removes the
// folder. Processes are found through /proc (Linux, as the embedded PostgreSQL is).
//
// Run as a script it is the run's watchdog: `node test-run-cleanup.mjs <jestGroup> <runDir>` waits on
// its standard input, a pipe from scripts/run-jest.mjs, and cleans up when the pipe closes without
// the word "done" first: run-jest.mjs was killed before it could clean up itself.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** How long processes get to stop after a polite signal before they are killed. */
const GRACE_MS = 10_000;
const POLL_MS = 100;

/**
 * Stops Jest's group and the processes of `runDir`, then removes `runDir`. Returns a line for each
 * process that was still running (other than Jest and its workers, stopped only when interrupted).
 */
export async function cleanUpTestRun({ jestGroup, runDir, spare = [] }) {
  const stopped = [];
  const spared = new Set([process.pid, ...spare]);

  const group = processes().filter((entry) => entry.group === jestGroup && !spared.has(entry.pid));
  stopped.push(...topmost(group).filter((entry) => !isJest(entry)));
  signal(group, 'SIGTERM');
  await stopOrKill(group);

  // Only the topmost of these are signalled: a PostgreSQL server's own processes (which work in its
  // data folder) are its to stop.
  const inFolder = processes().filter((entry) => !spared.has(entry.pid) && usesFolder(entry, runDir));
  const tops = topmost(inFolder);
  stopped.push(...tops);
  // A PostgreSQL server's immediate shutdown (SIGQUIT): its data goes with the folder anyway.
  signal(
    tops.filter((entry) => isPostmaster(entry)),
    'SIGQUIT',
  );
  signal(
    tops.filter((entry) => !isPostmaster(entry)),
    'SIGTERM',
  );
  await stopOrKill(inFolder);

  rmSync(runDir, { recursive: true, force: true, maxRetries: 5 });
  return stopped.map((entry) => `pid ${entry.pid}: ${entry.argv.join(' ').slice(0, 200)}`);
}

/** The processes whose parent is not among them. */
function topmost(entries) {
  const pids = new Set(entries.map((entry) => entry.pid));
  return entries.filter((entry) => !pids.has(entry.parent));
}

/** Waits for the processes to end, then kills any left. */
async function stopOrKill(entries) {
  const deadline = Date.now() + GRACE_MS;
  while (entries.some((entry) => isRunning(entry.pid)) && Date.now() < deadline) await delay(POLL_MS);
  signal(
    entries.filter((entry) => isRunning(entry.pid)),
    'SIGKILL',
  );
}

function signal(entries, name) {
  for (const entry of entries) {
    try {
      process.kill(entry.pid, name);
    } catch {
      // gone already
    }
  }
}

/** Whether the process is running (not ended, nor ended and waiting for its parent to notice). */
export function isRunning(pid) {
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** This process's ancestors in its own process group (the job a shell started), nearest first. */
export function jobAncestors() {
  const found = [];
  const ownGroup = statOf(process.pid)?.group;
  for (let pid = process.ppid; pid > 1;) {
    const stat = statOf(pid);
    if (!stat || stat.group !== ownGroup) break;
    found.push(pid);
    pid = stat.parent;
  }
  return found;
}

/** A process's state, parent and process group from /proc/<pid>/stat; undefined once it is gone. */
function statOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name, which may hold spaces and brackets.
    const [state, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, parent: Number(parent), group: Number(group) };
  } catch {
    return undefined;
  }
}

/** Every running process this user may see: its pid, parent, process group, command line and working folder. */
function processes() {
  if (!existsSync('/proc/self/stat')) return [];
  const found = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    const stat = /^\d+$/.test(name) ? statOf(pid) : undefined;
    if (!stat || stat.state === 'Z') continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // another user's process: its command line still tells
      }
      found.push({ pid, parent: stat.parent, group: stat.group, argv, cwd });
    } catch {
      // ended while being read
    }
  }
  return found;
}

function usesFolder(entry, folder) {
  const inside = (path) => path === folder || path.includes(`${folder}/`);
  return inside(entry.cwd) || entry.argv.some(inside);
}

/** A PostgreSQL server's main process (its children name themselves "postgres: ..."). */
function isPostmaster(entry) {
  return basename(entry.argv[0] ?? '') === 'postgres' && entry.argv.includes('-D');
}

/** Jest itself and its workers: expected in the group while a run is interrupted. */
function isJest(entry) {
  return entry.argv.some((arg) => /[/\\](jest[/\\]bin[/\\]jest\.js|jest-worker[/\\])/.test(arg));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [jestGroup, runDir] = [Number(process.argv[2]), process.argv[3] ?? ''];
  let said = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (said += chunk));
  process.stdin.on('end', () => {
    if (said.includes('done')) return;
    void cleanUpTestRun({ jestGroup, runDir });
  });
}
