import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can take down (cutting every connection, refusing new ones) and
 * bring back on the same port: a database outage without touching the shared database.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** While set, what the server answers is dropped on the way back (`dropReplies`). */
  private dropping = false;

  private constructor(
    private readonly target: { host: string; port: number },
    private port: number,
  ) {}

  static async start(target: URL): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) }, 0);
    await proxy.resume();
    return proxy;
  }

  url(base: string): string {
    const u = new URL(base);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async resume(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.connect(this.target.port, this.target.host, () => {
        client.pipe(upstream);
        upstream.on('data', (chunk: Buffer) => {
          if (!this.dropping) client.write(chunk);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /**
   * From now on (until `false`), the server's answers are lost on the way back: a command sent meanwhile runs, but
   * its client never hears so. With `cut` that is a connection lost between a command and its reply.
   */
  dropReplies(on: boolean): void {
    this.dropping = on;
  }

  /** Cuts every connection but keeps accepting new ones (a network blip: clients reconnect at once). */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.stop();
  }
}
