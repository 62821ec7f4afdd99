import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request a test receiver got: its headers and raw body. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real webhook receiver on 127.0.0.1 for tests: records every request and answers with the
 * next status of `statuses` (then 200). `port` 0 takes a free one.
 */
export async function startReceiver(port = 0, statuses: number[] = []): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return new WebhookReceiver(server, received);
}

export class WebhookReceiver {
  constructor(
    private readonly server: Server,
    readonly received: Received[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
