/** Caps on live `/visitor` sockets (WEBCHAT_SOCKETS_PER_VISITOR / WEBCHAT_SOCKETS_PER_ADDRESS). */
export interface VisitorSocketLimits {
  perVisitor: number;
  perAddress: number;
  /** The per-visitor refusal's retry hint (WEBCHAT_SOCKET_RETRY_SECONDS); the per-address one is twice it. Default 15. */
  retrySeconds?: number;
}

/** The handshake refusal's `data`, read by the chat page (client/connection-refusal.ts). */
export interface SocketRefusal {
  code: 'TOO_MANY_CONNECTIONS';
  scope: 'visitor' | 'address';
  limit: number;
  /** When the page tries again by itself: a tab of the visitor's (or someone behind the address) may have closed by then. */
  retryAfterSeconds: number;
}

const DEFAULT_RETRY_SECONDS = 15;

/**
 * Live visitor sockets per visitor and per client address, in this process. Every socket holds memory and is
 * one more recipient of the visitor room's broadcasts; a visitor id costs nothing to mint and one connection
 * can carry any number of namespace sockets, so without a cap one script held unlimited sockets. The
 * per-visitor cap is tight (a person's tabs, plus dropped ones not yet timed out); the per-address cap is
 * generous, as an office NAT or a mobile carrier puts many real visitors behind one address.
 */
export class VisitorSocketCaps {
  private readonly byVisitor = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: VisitorSocketLimits) {}

  /**
   * Takes a place for one socket, or says why not (taking nothing). The returned release gives the place
   * back and may be called any number of times (a socket's disconnect and its connection's close both call it).
   */
  admit(visitorId: string, address: string): { release: () => void } | { refused: SocketRefusal } {
    const visitorCount = this.byVisitor.get(visitorId) ?? 0;
    if (visitorCount >= this.limits.perVisitor) return { refused: this.refusal('visitor') };
    const addressCount = this.byAddress.get(address) ?? 0;
    if (addressCount >= this.limits.perAddress) return { refused: this.refusal('address') };
    this.byVisitor.set(visitorId, visitorCount + 1);
    this.byAddress.set(address, addressCount + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        decrement(this.byVisitor, visitorId);
        decrement(this.byAddress, address);
      },
    };
  }

  /** Sockets held (for tests and health): both maps hold only keys with a live socket. */
  get size(): { visitors: number; addresses: number; sockets: number } {
    let sockets = 0;
    for (const n of this.byVisitor.values()) sockets += n;
    return { visitors: this.byVisitor.size, addresses: this.byAddress.size, sockets };
  }

  private refusal(scope: 'visitor' | 'address'): SocketRefusal {
    return { code: 'TOO_MANY_CONNECTIONS', scope, limit: scope === 'visitor' ? this.limits.perVisitor : this.limits.perAddress, retryAfterSeconds: (this.limits.retrySeconds ?? DEFAULT_RETRY_SECONDS) * (scope === 'visitor' ? 1 : 2) };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
