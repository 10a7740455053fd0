/**
 * Generates docs/socket-events.md, the Socket.IO event reference of the agent socket, from the protocol
 * itself: client → server payloads from the zod schemas in src/realtime/protocol.ts, domain events from
 * DomainEventSchema (src/core/events/domain-events.ts), the other server → client event names from
 * ServerEvents (a name without a description below fails test/unit/docs/socket-events-doc.test.ts).
 *
 *   npx tsx scripts/socket-events-doc.ts --write     # regenerate after changing the protocol
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DomainEventSchema } from '../src/core/events/domain-events.js';
import {
  ClientEvents,
  PresenceSetSchema,
  ServerEvents,
  SyncSchema,
  TicketActivitySchema,
  TicketJoinSchema,
  TicketLeaveSchema,
  TypingSchema,
} from '../src/realtime/protocol.js';

type Json = { [k: string]: unknown };

/** JSON Schema → a compact TypeScript-like type, for reading (the schemas stay the source). */
function typeOf(s: Json, indent = ''): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  for (const key of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[key])) return (s[key] as Json[]).map((x) => typeOf(x, indent)).join(' | ');
  if (s.type === 'array') return `Array<${typeOf((s.items as Json) ?? {}, indent)}>`;
  if (s.type === 'object' || s.properties) {
    const props = (s.properties ?? {}) as Record<string, Json>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    const entries = Object.entries(props);
    if (entries.length === 0) {
      const extra = s.additionalProperties as Json | undefined;
      return extra && typeof extra === 'object' ? `Record<string, ${typeOf(extra, indent)}>` : '{}';
    }
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${k}${required.has(k) ? '' : '?'}: ${typeOf(v, inner)};`).join('\n')}\n${indent}}`;
  }
  if (Array.isArray(s.type)) return s.type.map((t) => typeOf({ ...s, type: t }, indent)).join(' | ');
  if (s.type === 'integer') return 'number';
  if (typeof s.type === 'string') return s.type;
  return 'unknown';
}

const shape = (schema: z.ZodType) => typeOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json);
const outShape = (schema: z.ZodType) => typeOf(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json);

const clientEvents: Record<keyof typeof ClientEvents, { schema: z.ZodType; ack: string; what: string }> = {
  join: { schema: TicketJoinSchema, ack: '{ ok: true, viewers: TicketViewer[] }', what: 'Open a ticket: joins its room (checked with the same visibility rule as REST) and appears in its viewers.' },
  leave: { schema: TicketLeaveSchema, ack: '{ ok: true }', what: 'Close a ticket.' },
  activity: { schema: TicketActivitySchema, ack: '{ ok: true }', what: 'What the agent is doing on a joined ticket (collision warning).' },
  typing: { schema: TypingSchema, ack: '{ ok: true }', what: 'Typing indicator (the console throttles to one per 2 s); reply typing is relayed to a web chat visitor.' },
  presence: { schema: PresenceSetSchema, ack: '{ ok: true }', what: 'Set this tab online or away.' },
  sync: { schema: SyncSchema, ack: '{ ok: true, stale: string[], gone: string[] } | { ok: false, error, retryAfterSeconds }', what: 'After a reconnect: last audit seq seen per ticket; the ack lists tickets to refetch over REST.' },
};

/** Payloads of the server → client events that are not domain events (plain TypeScript in the source). */
export const serverEventDocs: Record<keyof typeof ServerEvents, { payload: string; what: string }> = {
  hello: { payload: '{ viewer: { id, name, role, departmentIds } }', what: 'Once per connection: who the server thinks you are.' },
  presence: { payload: 'Array<{ userId, name, status: "online" | "away" | "offline" }>', what: 'Presence changes of the last 200 ms window (every process of a cluster).' },
  presenceSnapshot: { payload: 'Array<{ userId, name, status }>', what: 'Once per connection: everyone online or away.' },
  ticketViewers: { payload: '{ ticketId, viewers: Array<{ userId, name, activity, typing }> }', what: 'Who has the ticket open, to its room.' },
  ticketRevoked: { payload: '{ ticketId, seq? }', what: 'You can no longer see this ticket (transfer, reassignment, changed access).' },
  visitorTyping: { payload: '{ ticketId, typing }', what: 'The web chat visitor is typing.' },
  agentTyping: { payload: '{ ticketId, userId, name, mode: "reply" | "note", typing }', what: 'Another agent typing on a ticket you have open.' },
  reportLive: { payload: 'LiveSnapshot (src/core/reports/live-board.ts) + { agentsOnline, agentsAway }', what: 'Supervisors and admins: the live board of their scope.' },
};

export function renderSocketEventsDoc(): string {
  const out: string[] = [
    '# Socket.IO events (agent socket, namespace `/`)',
    '',
    '<!-- Generated by scripts/socket-events-doc.ts from src/realtime/protocol.ts and src/core/events/domain-events.ts; do not edit. -->',
    '',
    'The handshake is authenticated with the REST session cookie (`ponte_session`); the Origin, when sent, must be ours.',
    'Every client → server event takes an ack callback answered `{ ok: true, … }` or `{ ok: false, error: { code, message } }`',
    '(`VALIDATION_FAILED` for a payload that does not match).',
    '',
    '## Client → server',
    '',
  ];
  for (const [key, e] of Object.entries(clientEvents) as Array<[keyof typeof ClientEvents, (typeof clientEvents)[keyof typeof ClientEvents]]>) {
    out.push(`### \`${ClientEvents[key]}\``, '', e.what, '', '```ts', `payload: ${shape(e.schema)}`, `ack: ${e.ack}`, '```', '');
  }
  out.push('## Server → client: domain events', '', 'Emitted under their `type` to the rooms the event\'s `scope` allows (supervisors, the department or triage, the assignee).', '');
  for (const option of DomainEventSchema.options) {
    const type = (option.shape.type as z.ZodLiteral<string>).value;
    out.push(`### \`${type}\``, '', '```ts', outShape(option), '```', '');
  }
  out.push('## Server → client: other events', '', '| Event | Payload | When |', '|---|---|---|');
  for (const [key, e] of Object.entries(serverEventDocs) as Array<[keyof typeof ServerEvents, { payload: string; what: string }]>) {
    out.push(`| \`${ServerEvents[key]}\` | \`${e.payload.replaceAll('|', '\\|')}\` | ${e.what} |`);
  }
  out.push('');
  return out.join('\n');
}

export const socketEventsDocPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'socket-events.md');

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href && process.argv.includes('--write')) {
  writeFileSync(socketEventsDocPath, renderSocketEventsDoc());
  console.log(`wrote ${path.relative(process.cwd(), socketEventsDocPath)}`);
}
