import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashedFields {
  ticketId: string;
  seq: number;
  type: string;
  actor: { type: string; id?: string; name?: string };
  dataJson: string;
  at: Date;
  prevHash: string;
}

/** The hash covers every field of the event and the previous hash, so any edit or gap breaks the chain. */
export function hashAuditEvent(f: HashedFields): string {
  const actor = `${f.actor.type}|${f.actor.id ?? ''}|${f.actor.name ?? ''}`;
  return createHash('sha256')
    .update([f.prevHash, f.ticketId, String(f.seq), f.type, actor, f.dataJson, f.at.toISOString()].join('\n'))
    .digest('hex');
}
