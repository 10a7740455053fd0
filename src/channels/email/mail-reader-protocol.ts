import type { InboundEmail } from './inbound-events.js';
import type { MapEmailOptions } from './mapper.js';

/** Messages between `MailReader` and its worker thread (structured clone: no functions, Dates survive). */

export type MailReadOptions = Omit<MapEmailOptions, 'now'> & {
  /** The clock as a value: a function cannot cross to the worker. */
  nowIso?: string;
};

export interface MailReadRequest {
  id: number;
  raw: Uint8Array;
  options: MailReadOptions;
}

export type MailReadAnswer =
  | { id: number; inbound: InboundEmail; fingerprint: string }
  /** The mapper threw: the mail itself cannot be read (the same answer every time). */
  | { id: number; error: string };
