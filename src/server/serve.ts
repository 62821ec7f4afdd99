import { isLoopback, type ServeConfig } from '../config/config.js';
import { storageAnswer, storageLine } from '../query/storage.js';
import { openStore } from '../stores/open.js';
import { buildApp, type EdgestatApp } from './app.js';

/** A running server and the way to stop it gracefully. */
export interface RunningServer {
  url: string;
  served: EdgestatApp;
  stop(): Promise<void>;
}

/** The server may not start: no tokens and a non-loopback address. */
export class OpenServerError extends Error {}

/**
 * Opens the store, refuses to run open on a non-loopback address, listens, and logs what the
 * store holds per rollup tier.
 * `stop` lets in-flight batches commit, ends live views, then closes the store.
 */
export async function startServer(config: ServeConfig): Promise<RunningServer> {
  const store = await openStore(config.store);
  let served: EdgestatApp;
  try {
    served = await buildApp({ store, config, logger: { level: config.logLevel } });
    const open = await served.auth.isOpen();
    if (open && !isLoopback(config.host)) {
      throw new OpenServerError(
        `refusing to listen on ${config.host}: the store has no API tokens, so anyone could read and write. ` +
          "Create one first (edgestat token create --name NAME --scope analytics:read,logs:write --zone '*'), " +
          'or listen on 127.0.0.1.',
      );
    }
    if (open) {
      served.app.log.warn(
        { host: config.host },
        'running open: the store has no API tokens, so every request is allowed; listening on loopback only',
      );
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const { app, inFlight } = served;
  const url = await app.listen({ host: config.host, port: config.port });
  // What the store holds, once it listens (a report counts rows, which takes a moment on a large store).
  const reported = storageAnswer(store).then(
    (storage) => app.log.info({ storage }, `storage: ${storageLine(storage)}`),
    (err: Error) => app.log.warn({ err }, 'storage report failed'),
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      app.log.info({ inFlight: inFlight.size }, 'shutting down: finishing in-flight batches');
      await app.close();
      await inFlight.drain();
      await reported;
      await store.close();
      app.log.info('stopped');
    })();
    return stopping;
  };
  return { url, served, stop };
}
