/**
 * Open Engine.IO connections per client address, for every namespace at once. The web chat caps visitor
 * sockets per address (`visitor-socket-caps.ts`), but a connection that joins no namespace was refused by
 * nothing: a script could hold thousands of them, each memory, until Socket.IO's connect timeout. One browser
 * tab is one connection whatever namespaces it joins, so the cap is a count of tabs behind one address (a NAT
 * of an office or a mobile carrier shares it: keep it generous).
 */
export class ConnectionsPerAddress {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Checked at the handshake; handshakes in flight at the same moment may pass it together (a bound, not exact). */
  admits(address: string): boolean {
    return (this.open.get(address) ?? 0) < this.limit;
  }

  opened(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }

  /** Addresses with an open connection (the map's size: it never keeps an address with none). */
  get addresses(): number {
    return this.open.size;
  }
}
