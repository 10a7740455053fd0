import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for MongoDB's download site on 127.0.0.1, so the first-run download path is tested
 * without contacting any outside address. mongodb-memory-server is pointed at it through its own
 * settings: MONGOMS_DOWNLOAD_URL (the archive URL) with MONGOMS_USE_HTTP=true.
 *
 *  - 'fail': 404 for every request (not retried by the library);
 *  - 'slow': announces a 60 MB archive, then sends 64 KB at once and every 300 ms and never finishes.
 */
export interface MongoDownloadStandIn {
  /** Environment for the process that downloads (put into process.env or a child's env). */
  env: Record<string, string>;
  requests(): number;
  close(): Promise<void>;
}

export async function startMongoDownloadStandIn(mode: 'fail' | 'slow', downloadDir: string): Promise<MongoDownloadStandIn> {
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    requests += 1;
    if (mode === 'fail') {
      res.writeHead(404).end('no such archive');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(60 * 1024 * 1024) });
    res.write(Buffer.alloc(64 * 1024));
    const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 300);
    timers.add(timer);
    res.once('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      MONGOMS_DOWNLOAD_URL: `http://127.0.0.1:${port}/mongodb-linux-x86_64-debian12-7.0.14.tgz`,
      MONGOMS_USE_HTTP: 'true',
      // An empty cache of our own: no binary from an earlier run, nothing written to ~/.cache.
      MONGOMS_DOWNLOAD_DIR: downloadDir,
    },
    requests: () => requests,
    async close() {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
