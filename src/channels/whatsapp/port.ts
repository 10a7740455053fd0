/**
 * The small port the WhatsApp channel uses instead of whatsapp-web.js itself. `session.ts` (the only file
 * that imports the library) wraps the real `Client` in it and checks at compile time that the library's
 * `Message`, `Reaction` and `MessageMedia` fit the shapes below; tests and the `fake` driver implement it
 * with an EventEmitter fed with message objects shaped like whatsapp-web.js's.
 */

export interface WaMessageId {
  fromMe: boolean;
  remote: string;
  id: string;
  _serialized: string;
}

export interface WaMedia {
  mimetype: string;
  /** Base64. */
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

export interface WaLocation {
  latitude: string | number;
  longitude: string | number;
  name?: string;
  address?: string;
  description?: string;
  url?: string;
}

/** The raw fields of a message we read (a subset of whatsapp-web.js `Message._data`). */
export interface WaMessageData {
  notifyName?: string;
  size?: number;
  filename?: string;
  mimetype?: string;
  caption?: string;
  quotedStanzaID?: string;
}

/** What we read of a whatsapp-web.js `Message`. */
export interface WaMessage {
  id: WaMessageId;
  from: string;
  to: string;
  /** Group messages: who wrote it. */
  author?: string;
  fromMe: boolean;
  type: string;
  body: string;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  timestamp: number;
  ack: number;
  isStatus?: boolean;
  broadcast?: boolean;
  location?: WaLocation;
  vCards?: string[];
  latestEditSenderTimestampMs?: number;
  _data?: WaMessageData;
  downloadMedia(): Promise<WaMedia | undefined>;
  getQuotedMessage(): Promise<WaMessage | undefined>;
}

export interface WaReaction {
  id: WaMessageId;
  /** The message reacted to. */
  msgId: WaMessageId;
  senderId: string;
  /** Empty when the reaction was removed. */
  reaction: string;
  timestamp: number;
}

/** An outgoing file (whatsapp-web.js `MessageMedia`). */
export interface WaOutgoingMedia {
  mimetype: string;
  data: string;
  filename: string;
}

export interface WaSendOptions {
  caption?: string;
  quotedMessageId?: string;
  sendMediaAsDocument?: boolean;
}

/** whatsapp-web.js `WAState` values we react to (strings on the wire). */
export type WaState = 'CONFLICT' | 'CONNECTED' | 'UNPAIRED' | 'UNLAUNCHED' | 'TIMEOUT' | 'OPENING' | (string & {});

export interface WaEvents {
  qr: (qr: string) => void;
  authenticated: () => void;
  auth_failure: (message: string) => void;
  ready: () => void;
  disconnected: (reason: string) => void;
  change_state: (state: WaState) => void;
  message: (message: WaMessage) => void;
  message_create: (message: WaMessage) => void;
  message_ack: (message: WaMessage, ack: number) => void;
  message_revoke_everyone: (message: WaMessage, revoked?: WaMessage | null) => void;
  message_reaction: (reaction: WaReaction) => void;
  message_edit: (message: WaMessage, newBody: string, prevBody: string) => void;
}

export interface WhatsAppClientPort {
  initialize(): Promise<void>;
  on<E extends keyof WaEvents>(event: E, listener: WaEvents[E]): unknown;
  removeAllListeners(): unknown;
  sendMessage(chatId: string, content: string | WaOutgoingMedia, options?: WaSendOptions): Promise<WaMessage>;
  getMessageById(id: string): Promise<WaMessage | undefined>;
  logout(): Promise<void>;
  destroy(): Promise<void>;
  /** Set once ready: our own account. */
  readonly info?: { wid: { _serialized: string; user: string }; pushname?: string } | undefined;
}

/** The store RemoteAuth persists the session archive through (whatsapp-web.js's `Store` contract). */
export interface RemoteSessionStore {
  sessionExists(options: { session: string }): Promise<boolean>;
  save(options: { session: string }): Promise<void>;
  extract(options: { session: string; path: string }): Promise<void>;
  delete(options: { session: string }): Promise<void>;
}

/** What the adapter hands a client factory: everything a driver needs to start one session. */
export interface ClientInit {
  /** Unique per inbox (RemoteAuth `clientId`, LocalAuth folder name). */
  clientId: string;
  /** Folder for the browser profile and the archive RemoteAuth zips (per process). */
  dataPath: string;
  auth: 'remote' | 'local';
  store: RemoteSessionStore;
  chromiumPath: string;
  /** The fake driver's loopback port (0 = any free port). */
  fakePort: number;
}

export type ClientFactory = (init: ClientInit) => Promise<WhatsAppClientPort>;
