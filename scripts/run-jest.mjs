// Runs Jest as ES modules with a self-signed certificate for https://localhost (the test identity
// provider) that every test process trusts through NODE_EXTRA_CA_CERTS. Arguments go to Jest.
//
// However the run ends (passed, failed, Ctrl-C, SIGTERM to npm test, a crashed worker), it leaves no
// process behind: Jest runs in a process group of its own with a temporary folder of its own (TMPDIR,
// where every PostgreSQL cluster, app folder and browser profile of the run lives), and when Jest
// ends, scripts/test-run-cleanup.mjs stops what is left in either and removes the folder. A watchdog
// does the same if this script is killed outright.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { cleanUpTestRun, isRunning, jobAncestors } from './test-run-cleanup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'tests', 'artifacts', 'tls');
const certFile = join(dir, 'localhost-cert.pem');
const keyFile = join(dir, 'localhost-key.pem');

if (!existsSync(certFile) || !existsSync(keyFile)) {
  mkdirSync(dir, { recursive: true });
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
}

const runDir = mkdtempSync(join(tmpdir(), 'tracker-run-'));
// Run as root, the embedded PostgreSQL runs as the postgres user, which must reach its data inside.
chmodSync(runDir, 0o755);

const jestBin = join(dirname(createRequire(import.meta.url).resolve('jest/package.json')), 'bin', 'jest.js');
const jest = spawn(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jestBin, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    // Its own process group, so the whole of it can be stopped at once.
    detached: true,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile, TMPDIR: runDir },
  },
);
const jestGroup = jest.pid ?? 0;

// Detached too, so it outlives this script; it hears of this script's end when its stdin closes.
const watchdog = spawn(
  process.execPath,
  [join(root, 'scripts', 'test-run-cleanup.mjs'), String(jestGroup), runDir],
  { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
);
watchdog.unref();

/** Asks Jest's whole group to stop: politely first, outright when asked a second time. */
let interruptedBy;
function interrupt(signal) {
  const again = interruptedBy !== undefined;
  interruptedBy ??= signal;
  try {
    process.kill(-jestGroup, again ? 'SIGKILL' : signal);
  } catch {
    // Jest has ended already
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => interrupt(signal));

// `npm test` runs this through two shells and a second npm: a SIGTERM to the first npm ends it and
// its shell but reaches none of the others. When one of the processes of this job (our process group)
// that started this one has gone, the run has been stopped.
const startedBy = jobAncestors();
const watchingAncestors = setInterval(() => {
  if (!interruptedBy && startedBy.some((pid) => !isRunning(pid))) interrupt('SIGTERM');
}, 1_000);

const [code] = await new Promise((resolve) => jest.once('exit', (...args) => resolve(args)));
clearInterval(watchingAncestors);
const leftRunning = await cleanUpTestRun({ jestGroup, runDir, spare: [watchdog.pid] });
watchdog.stdin.end('done');
if (leftRunning.length > 0 && !interruptedBy) {
  console.error(`run-jest: stopped ${leftRunning.length} process(es) the tests left running:`);
  for (const line of leftRunning) console.error(`  ${line}`);
}
if (interruptedBy) console.error(`run-jest: stopped by ${interruptedBy}; nothing is left running.`);
process.exit(interruptedBy ? 128 + constants.signals[interruptedBy] : (code ?? 1));
