import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The order in which a conversation's outbound messages were accepted. Two kinds of document, both read by
 * `_id` only (the embedded FerretDB serves nothing else from an index):
 * - a slot, `_id` = `<lane>#<seq>`: message `messageId` holds place `seq` of the lane. Places are taken by
 *   insert, so two hub processes accepting a reply at the same moment get two places, never one (the unique
 *   `_id` decides; FerretDB's updates are not atomic and could not).
 * - the head, `_id` = `head:<lane>`: the newest place and its message as last written. Only a hint of where
 *   to start looking (a lost or stale write costs one more insert attempt, never a wrong order): it is only
 *   ever written with a place that was really taken, so the next place is never past a free one.
 * Slots are kept (one small document per outbound message, like `delivery_claims`): deleting one could let a
 * stale head hand its place out twice.
 */
export interface OutboundLaneDoc {
  _id: string;
  seq: number;
  messageId: string;
  at: Date;
}

const schema = new Schema<OutboundLaneDoc>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    messageId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'outbound_lanes' },
);

export type OutboundLaneModel = Model<OutboundLaneDoc>;
export const registerOutboundLaneModel = (c: Connection): OutboundLaneModel => c.model<OutboundLaneDoc>('OutboundLane', schema);
