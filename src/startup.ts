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
