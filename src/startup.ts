import { createServer } from 'node:net';

/** A start-up problem the user can fix; its message says what to do. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Fails with `advice` when something already listens on the port. */
export async function assertPortFree(port: number, host: string, advice: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' ? new StartupError(`Port ${port} is already in use. ${advice}`) : error,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolvePromise()));
  });
}

/** A port nothing listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
