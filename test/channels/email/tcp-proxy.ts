import net from 'node:net';

/**
 * A loopback TCP relay in front of a real server, so a test can cut live
 * connections (as a network failure would) or refuse new ones (server down).
 */
export interface TcpProxy {
  port: number;
  /** Connections opened through the proxy so far. */
  connections: number;
  /** Destroys every open connection, both sides. */
  dropAll(): void;
  /** Drops every connection once `bytes` more bytes came from the server (cuts a response mid-way). */
  dropAfterServerBytes(bytes: number): void;
  /** Stops accepting: new connections are refused until resume(). Open ones are dropped. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let connections = 0;
  let budget: number | undefined;
  const make = (): net.Server =>
    net.createServer((client) => {
      connections += 1;
      const upstream = net.connect({ host: targetHost, port: targetPort });
      open.add(client);
      open.add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on('error', drop);
      upstream.on('error', drop);
      client.on('close', drop);
      upstream.on('close', drop);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (budget === undefined) {
          client.write(chunk);
          return;
        }
        const take = Math.max(0, Math.min(budget, chunk.length));
        budget -= take;
        if (take > 0) client.write(chunk.subarray(0, take));
        if (budget <= 0) {
          budget = undefined;
          dropAll();
        }
      });
    });
  let server = make();
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  const port = await listen(0);
  function dropAll(): void {
    for (const s of open) s.destroy();
    open.clear();
  }
  const stopListening = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  return {
    port,
    get connections() {
      return connections;
    },
    dropAll,
    dropAfterServerBytes(bytes) {
      budget = bytes;
    },
    async pause() {
      const closing = stopListening();
      dropAll();
      await closing;
    },
    async resume() {
      server = make();
      await listen(port);
    },
    async close() {
      const closing = server.listening ? stopListening() : Promise.resolve();
      dropAll();
      await closing;
    },
  };
}
