import net from 'node:net';

/**
 * Binds PORT for a moment and lets it go, before the database and channels start: a taken port was found only
 * by the final listen(), after a minute of start-up on a large install, with the channel sessions already
 * claimed (and left to expire: the process exits there). Throws listen()'s own error (EADDRINUSE, EACCES,
 * EADDRNOTAVAIL), worded by `describeStartFailure`. Another program can still take the port in between; the
 * real listen() then fails the same way.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return; // any free port: nothing to check
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
