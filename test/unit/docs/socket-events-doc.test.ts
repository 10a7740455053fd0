import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainEventSchema } from '../../../src/core/events/domain-events.js';
import { ClientEvents, ServerEvents } from '../../../src/realtime/protocol.js';
import { renderSocketEventsDoc, serverEventDocs, socketEventsDocPath } from '../../../scripts/socket-events-doc.js';

describe('docs/socket-events.md', () => {
  it('is what the generator makes from the protocol today (run `npx tsx scripts/socket-events-doc.ts --write` after a change)', () => {
    expect(readFileSync(socketEventsDocPath, 'utf8')).toBe(renderSocketEventsDoc());
  });

  it('names every client event, every domain event and every other server event', () => {
    const doc = renderSocketEventsDoc();
    for (const name of Object.values(ClientEvents)) expect(doc).toContain(`### \`${name}\``);
    for (const option of DomainEventSchema.options) expect(doc).toContain(`### \`${String(option.shape.type.value)}\``);
    expect(Object.keys(serverEventDocs).sort()).toEqual(Object.keys(ServerEvents).sort());
    for (const name of Object.values(ServerEvents)) expect(doc).toContain(`| \`${name}\` |`);
  });
});
