import WebSocket from 'ws';

/**
 * An agent socket for the benchmark that speaks Engine.IO 4 / Socket.IO 5 over
 * a plain WebSocket: the open packet, the namespace connect, ping/pong and
 * event packets — what a console needs to receive events, nothing else.
 *
 * Why not socket.io-client: it decodes every packet in full and passes it
 * through three emitters; on the 2-core benchmark machine its 500 sockets cost
 * about 28% of a core, taken from the hub and the database under test. Here an
 * event arrives as its raw text and the benchmark looks only for what it
 * measures. The server cannot tell the difference (same handshake, same
 * cookie, same rooms); `--client socket.io` runs the official client instead.
 */
export class LeanAgentSocket {
  private readonly handlers = new Map<string, (raw: string) => void>();

  private constructor(private readonly ws: WebSocket) {}

  /** Resolves once the server accepted the socket on namespace `/` (the session cookie decides). */
  static connect(baseUrl: string, cookie: string, timeoutMs = 60_000): Promise<LeanAgentSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { headers: { cookie }, perMessageDeflate: false });
    const socket = new LeanAgentSocket(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('socket connect timed out')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      let connected = false;
      ws.on('error', (err) => (connected ? undefined : fail(err)));
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) return;
        const text = data.toString();
        switch (text[0]) {
          case '0': // Engine.IO open: join namespace `/`
            ws.send('40');
            return;
          case '2': // ping
            ws.send('3');
            return;
          case '4':
            if (text[1] === '0' && !connected) {
              connected = true;
              clearTimeout(timer);
              resolve(socket);
            } else if (text[1] === '4') {
              fail(new Error(`socket refused: ${text.slice(2)}`));
            } else if (text[1] === '2') {
              socket.dispatch(text);
            }
            return;
          default:
        }
      });
    });
  }

  /** `handler` gets the packet's text (`42["name",payload]`) of every event called `name`. */
  on(name: string, handler: (raw: string) => void): void {
    this.handlers.set(`42["${name}",`, handler);
  }

  close(): void {
    this.ws.close();
  }

  private dispatch(text: string): void {
    // Event packets: 42["name",…] (no ack id, default namespace): the prefix up to the first comma.
    const comma = text.indexOf(',');
    const handler = comma > 0 ? this.handlers.get(text.slice(0, comma + 1)) : undefined;
    handler?.(text);
  }
}
