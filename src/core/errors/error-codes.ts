/**
 * Every code a Ponte error can carry, defined once (as Fastify's `lib/errors.js` does), with what it means
 * and whose fault it is: `caller` (the request can be fixed or retried by whoever sent it) or `server` (ours,
 * or a platform's). Core picks a code; it never picks an HTTP status — `src/web/http/error-response.ts` maps
 * each code to one (a test checks that every code here has its status and that the fault agrees with it).
 * A channel's own codes (`SMTP_AUTH_FAILED`, `TELEGRAM_FORBIDDEN`…) are the platform's vocabulary, listed by
 * each channel; they travel on a `ChannelError`, whose catalogue code is `CHANNEL_FAILED`.
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { fault: 'caller', meaning: 'The input does not match its schema; `details.issues` names each field' },
  MALFORMED_JSON: { fault: 'caller', meaning: 'The request body is not valid JSON' },
  MALFORMED_URL: { fault: 'caller', meaning: 'The request path is not valid percent-encoding' },
  BAD_REQUEST: { fault: 'caller', meaning: 'The request could not be read (another client error raised by express itself)' },
  UNAUTHENTICATED: { fault: 'caller', meaning: 'No valid session: sign in (or, for a visitor, open the chat page) first' },
  FORBIDDEN: { fault: 'caller', meaning: "The signed-in user's role or departments do not allow this" },
  CSRF_ORIGIN_MISMATCH: { fault: 'caller', meaning: "A state-changing request came from another site's page" },
  NOT_FOUND: { fault: 'caller', meaning: 'No such thing, or not visible to this user (never told apart)' },
  METHOD_NOT_ALLOWED: { fault: 'caller', meaning: 'The path exists, but not for this HTTP method' },
  EMAIL_TAKEN: { fault: 'caller', meaning: 'Another user already has this email address' },
  SELF_LOCKOUT: { fault: 'caller', meaning: 'An admin may not deactivate or demote themselves' },
  NAME_TAKEN: { fault: 'caller', meaning: 'Another department or inbox already has this name' },
  MACRO_EXISTS: { fault: 'caller', meaning: 'Another macro already has this name' },
  CSAT_SUPERSEDED: { fault: 'caller', meaning: 'A newer rating request replaced this one, or the conversation was reopened since; only the newest question of a solve still in place may be answered' },
  CSAT_EXPIRED: { fault: 'caller', meaning: 'The rating request has expired' },
  ACCOUNT_INACTIVE: { fault: 'caller', meaning: 'The account is deactivated: an administrator reactivates it before its password can be set' },
  LAST_ADMIN: { fault: 'caller', meaning: 'The last active administrator cannot be deactivated, demoted or deleted' },
  DEPARTMENT_NOT_EMPTY: { fault: 'caller', meaning: 'A department still referred to (users, tickets, inboxes, canned responses) cannot be deleted' },
  MERGE_UNDONE: { fault: 'caller', meaning: 'This contact merge was already undone' },
  SHORTCUT_TAKEN: { fault: 'caller', meaning: 'Another canned response already has this shortcut' },
  INBOX_HAS_TICKETS: { fault: 'caller', meaning: 'An inbox with tickets cannot be deleted; disable it instead' },
  NOT_SUPPORTED: { fault: 'caller', meaning: "The inbox's channel has no such operation (connection test, session reset)" },
  CALL_NOT_SUPPORTED: { fault: 'caller', meaning: "The ticket's channel cannot place calls" },
  INBOX_DISABLED: { fault: 'caller', meaning: 'The inbox is disabled: enable it before sending from it' },
  CANNOT_START_CONVERSATION: { fault: 'caller', meaning: "The inbox's channel cannot write to a customer first (email, SMS and WhatsApp can)" },
  CONVERSATION_OPEN: { fault: 'caller', meaning: "The customer's conversation on this inbox has an active ticket: write there (its number is in the details)" },
  CONTACT_OPTED_OUT: { fault: 'caller', meaning: 'The customer opted out of this channel (SMS STOP) and may not be written to first' },
  CHANNEL_REFUSED: { fault: 'caller', meaning: 'The channel refused the request for good; the shown code is the channel\'s own' },
  TICKET_MERGED: { fault: 'caller', meaning: 'The ticket was merged into another; act on that one' },
  TICKET_CLOSED: { fault: 'caller', meaning: "A closed ticket stays closed; the customer's next message opens a follow-up" },
  CONTACT_MERGED: { fault: 'caller', meaning: 'One of the contacts was already merged' },
  CLIENT_MESSAGE_ID_REUSED: { fault: 'caller', meaning: 'The clientMessageId was already used by this author for a different message; a new message needs a new key' },
  CLIENT_MESSAGE_ID_IN_USE: { fault: 'caller', meaning: 'A send with this clientMessageId is still being processed; send it again in a moment' },
  NOT_RETRYABLE: { fault: 'caller', meaning: 'Only a failed outbound message can be sent again' },
  OUTSIDE_MESSAGING_WINDOW: { fault: 'caller', meaning: 'The platform allows no free-form reply this long after the customer wrote' },
  AUDIT_CONTENTION: { fault: 'caller', meaning: 'Too many writers on one ticket at once; try again' },
  ATTACHMENT_TOO_LARGE: { fault: 'caller', meaning: 'An attachment, or all of them together, exceed the configured limit' },
  PAYLOAD_TOO_LARGE: { fault: 'caller', meaning: 'The request body exceeds the size limit' },
  UNSUPPORTED_MEDIA_TYPE: { fault: 'caller', meaning: 'The body is not in a type or encoding this endpoint reads (send JSON)' },
  RANGE_NOT_SATISFIABLE: { fault: 'caller', meaning: 'The requested byte range lies outside the file' },
  RATE_LIMITED: { fault: 'caller', meaning: 'Too many attempts; retry after `Retry-After` seconds' },
  CHAT_BUSY: { fault: 'caller', meaning: 'Too many new web chat conversations right now; retry after `Retry-After` seconds' },
  CHANNEL_FAILED: { fault: 'server', meaning: "A channel's platform failed or refused; the shown code is the channel's own" },
  CONFIG_SECRET_REQUIRED: { fault: 'server', meaning: 'SECRET_KEY must be set when MONGODB_URI is set' },
  INTERNAL: { fault: 'server', meaning: 'An unexpected failure of ours; the log has the details' },
} as const satisfies Record<string, { fault: 'caller' | 'server'; meaning: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

/** True when whoever sent the request can fix or retry it (a 4xx on HTTP, an error ack on a socket). */
export const isCallerFault = (code: ErrorCode): boolean => errorCatalogue[code].fault === 'caller';
