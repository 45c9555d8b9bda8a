import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface TcpBalancerOptions {
  backends: readonly Backend[];
  /** How long connecting to one backend may take before the next is tried. Default 1000 ms. */
  connectTimeoutMs?: number;
}

/**
 * A round-robin TCP proxy with no stickiness, for trying several nodes locally (`npm run cluster`) and for tests:
 * each accepted connection goes to the next backend; a backend that refuses (a dead node) is skipped for that
 * connection. Bytes are piped unchanged, so WebSockets and HTTP pass through.
 */
export class TcpBalancer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  /** Connections handed to each backend (by index), for tests and the cluster script's log. */
  readonly counts: number[];

  constructor(private readonly options: TcpBalancerOptions) {
    if (!Array.isArray(options?.backends) || options.backends.length === 0) {
      throw new TypeError('TcpBalancer: backends must be a non-empty list of { host, port }');
    }
    this.counts = options.backends.map(() => 0);
    this.server = createServer((client) => this.accept(client));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  /** Stops accepting and drops every proxied connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.pause();
    client.on('error', () => client.destroy());
    const backends = this.options.backends;
    const start = this.next;
    this.next = (this.next + 1) % backends.length;
    const attempt = (tried: number) => {
      if (tried >= backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const index = (start + tried) % backends.length;
      const { host, port } = backends[index];
      const upstream = connect({ host, port });
      this.track(upstream);
      upstream.setTimeout(this.options.connectTimeoutMs ?? 1000, () =>
        upstream.destroy(new Error('timeout')),
      );
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        upstream.setTimeout(0);
        this.counts[index]++;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) attempt(tried + 1);
      });
      upstream.once('close', () => {
        if (connected) client.destroy();
      });
      client.once('close', () => upstream.destroy());
    };
    attempt(0);
  }
}
