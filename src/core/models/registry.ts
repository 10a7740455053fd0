import type { Connection, Model } from 'mongoose';
import { createSchemaIndexes } from '../db/schema-indexes.js';
import { registerAuditEventModel } from './audit-event.js';
import { registerAuditHeadModel } from './audit-head.js';
import { registerChannelStateModel } from './channel-state.js';
import { registerContactModel } from './contact.js';
import { registerContactIdentityModel } from './contact-identity.js';
import { registerConversationKeyModel } from './conversation-key.js';
import { registerMessageKeyModel } from './message-key.js';
import { registerOutboxEntryModel } from './outbox-entry.js';
import { registerOutboundLaneModel } from './outbound-lane.js';
import { registerDeliveryClaimModel } from './delivery-claim.js';
import { registerDepartmentModel } from './department.js';
import { registerInboundEventModel } from './inbound-event-record.js';
import { registerInboxModel } from './inbox.js';
import { registerMessageModel } from './message.js';
import { registerSendKeyModel } from './send-key.js';
import { registerSessionModel } from './session.js';
import { registerSessionLeaseModel } from './session-lease.js';
import { registerThreadEntryModel } from './thread-entry.js';
import { registerTicketModel } from './ticket.js';
import { registerUserModel } from './user.js';
import { registerSlaCalendarModel } from './sla-calendar.js';
import { registerSlaPolicyModel } from './sla-policy.js';
import { registerSlaNoticeModel } from './sla-notice.js';
import { registerAssignmentSlotModel } from './assignment-slot.js';
import { registerQueueEntryModel } from './queue-entry.js';
import { registerRoutingRuleModel } from './routing-rule.js';
import { registerContactAffinityModel } from './contact-affinity.js';

/** Binds every model to one connection (one database per process, or per test file). */
export function registerModels(c: Connection) {
  return {
    AuditEvent: registerAuditEventModel(c),
    AuditHead: registerAuditHeadModel(c),
    ChannelState: registerChannelStateModel(c),
    Contact: registerContactModel(c),
    ContactIdentity: registerContactIdentityModel(c),
    ConversationKey: registerConversationKeyModel(c),
    DeliveryClaim: registerDeliveryClaimModel(c),
    Department: registerDepartmentModel(c),
    InboundEvent: registerInboundEventModel(c),
    Inbox: registerInboxModel(c),
    Message: registerMessageModel(c),
    MessageKey: registerMessageKeyModel(c),
    OutboxEntry: registerOutboxEntryModel(c),
    OutboundLane: registerOutboundLaneModel(c),
    SendKey: registerSendKeyModel(c),
    Session: registerSessionModel(c),
    SessionLease: registerSessionLeaseModel(c),
    ThreadEntry: registerThreadEntryModel(c),
    Ticket: registerTicketModel(c),
    User: registerUserModel(c),
    SlaCalendar: registerSlaCalendarModel(c),
    SlaPolicy: registerSlaPolicyModel(c),
    SlaNotice: registerSlaNoticeModel(c),
    AssignmentSlot: registerAssignmentSlotModel(c),
    QueueEntry: registerQueueEntryModel(c),
    RoutingRule: registerRoutingRuleModel(c),
    ContactAffinity: registerContactAffinityModel(c),
  };
}
export type Models = ReturnType<typeof registerModels>;

/** Creates indexes up front: uniqueness must hold before the first concurrent write. */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const m of Object.values(models)) await createSchemaIndexes(m as Model<any>);
}
