import { createServer } from 'node:net';

/** The address is taken: says which and how to choose another. */
export class PortTakenError extends Error {}

/**
 * Fails early when host:port cannot be listened on, so that a command that prepares a lot before
 * it listens (the demo rewrites its store) does not do that work for nothing.
 */
export function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const taken = err.code === 'EADDRINUSE';
      reject(
        taken
          ? new PortTakenError(
              `port ${port} on ${host} is taken by another program: stop it, or pick another port with --port (npm start -- --port 8081)`,
            )
          : err,
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
