/**
 * A benchmark against an external server (MONGODB_URI) writes into a database
 * of its own, never into the one the URI names (which may hold real data), and
 * drops it when done.
 */
export function benchDatabaseUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const url = new URL(uri);
  url.pathname = `/ponte_bench_${Date.now()}`;
  return url.toString();
}
