import { describe, expect, it } from 'vitest';
import type { ChannelDescription } from '../../../src/core/domain/channel-settings-form.js';
import { emailDescription } from '../../../src/channels/email/settings-form.js';
import { fieldTexts, groupFields, initialValues, publicBaseOf, toPayload, validate, widgetSnippet } from '../../../src/web/console/src/inbox-form.js';

/**
 * The console's inbox form is generated from a kind's description alone: a kind the console has never heard
 * of (here a made-up "pager" channel with a grouped secret, a select, a number and a boolean) works as is.
 */
const pager: ChannelDescription = {
  kind: 'pager',
  label: 'Pager gateway',
  webhook: true,
  testable: true,
  canStartConversation: false,
  fields: [
    { key: 'account', label: 'Account', type: 'text', required: true },
    { key: 'api.token', label: 'API token', type: 'text', secret: true, required: true },
    { key: 'api.region', label: 'Region', type: 'select', default: 'eu', options: [{ value: 'eu', label: 'EU' }, { value: 'us', label: 'US' }] },
    { key: 'api.timeoutSeconds', label: 'Timeout', type: 'number', default: 30 },
    { key: 'groups', label: 'Answer groups', type: 'boolean', default: false },
    { key: 'signature', label: 'Signature', type: 'textarea' },
  ],
};

describe('inbox form from a channel description', () => {
  it('groups fields by the key before the dot, ungrouped first, in declaration order', () => {
    expect(groupFields(pager.fields).map((g) => [g.group, g.fields.map((f) => f.key)])).toEqual([
      [null, ['account', 'groups', 'signature']],
      ['api', ['api.token', 'api.region', 'api.timeoutSeconds']],
    ]);
    expect(groupFields(emailDescription.fields).map((g) => g.group)).toEqual([null, 'imap', 'smtp']);
  });

  it('starts from defaults for a new inbox and from stored settings for an existing one; secrets start empty', () => {
    expect(initialValues(pager)).toEqual({ account: '', 'api.token': '', 'api.region': 'eu', 'api.timeoutSeconds': '30', groups: false, signature: '' });
    const stored = { settings: { account: 'acme', api: { region: 'us', timeoutSeconds: 5 }, groups: true } };
    expect(initialValues(pager, stored)).toMatchObject({ account: 'acme', 'api.region': 'us', 'api.timeoutSeconds': '5', groups: true, 'api.token': '' });
  });

  it('checks required fields and numbers; a stored secret satisfies "required" until the user opens it to change', () => {
    const values = { ...initialValues(pager), 'api.timeoutSeconds': 'soon' };
    expect(validate(pager, values, undefined, new Set())).toEqual([
      { key: 'account', problem: 'required' },
      { key: 'api.token', problem: 'required' },
      { key: 'api.timeoutSeconds', problem: 'number' },
    ]);
    const withToken = { secretKeys: ['api.token'] };
    const ok = { ...initialValues(pager), account: 'acme' };
    expect(validate(pager, ok, withToken, new Set())).toEqual([]);
    expect(validate(pager, ok, withToken, new Set(['api.token']))).toEqual([{ key: 'api.token', problem: 'required' }]);
  });

  it('sends public values nested and typed in `settings`, typed secrets flat in `secrets`; keeps keys the form does not show', () => {
    const stored = { settings: { account: 'old', publicUrl: 'https://hub.example', api: { region: 'us', legacy: 'x' } } };
    const values = { ...initialValues(pager, stored), account: ' acme ', 'api.token': 'tok-123', 'api.timeoutSeconds': '12', signature: '' };
    expect(toPayload(pager, values, stored)).toEqual({
      settings: { account: 'acme', publicUrl: 'https://hub.example', api: { region: 'us', legacy: 'x', timeoutSeconds: 12 }, groups: false },
      secrets: { 'api.token': 'tok-123' },
    });
    // An untouched secret is not sent (the stored one is kept); an emptied field is removed.
    const again = toPayload(pager, { ...values, 'api.token': '', 'api.region': '' }, stored);
    expect(again.secrets).toEqual({});
    expect(again.settings.api).toEqual({ legacy: 'x', timeoutSeconds: 12 });
  });

  it('labels follow the console language where the description translates them, English otherwise', () => {
    const replyTo = emailDescription.fields.find((f) => f.key === 'replyToStyle')!;
    expect(fieldTexts(replyTo, 'pt').label).toBe('Responder para (Reply-To)');
    expect(fieldTexts(replyTo, 'es').option('address', 'A fixed address')).toBe('Una dirección fija');
    expect(fieldTexts(replyTo, 'en').option('address', 'A fixed address')).toBe('A fixed address');
    expect(fieldTexts(pager.fields[0]!, 'pt').label).toBe('Account');
  });

  it('draws the website chat snippet from the public URL the server reports', () => {
    const inbox = { id: '6650f0c2a1b2c3d4e5f60718', webhookUrl: 'https://help.example.com/webhooks/webchat/6650f0c2a1b2c3d4e5f60718' };
    expect(publicBaseOf(inbox)).toBe('https://help.example.com');
    expect(widgetSnippet(inbox, { color: '#e11d48', label: 'Fale "conosco"' })).toBe(
      '<script src="https://help.example.com/chat/widget.js" data-inbox="6650f0c2a1b2c3d4e5f60718" data-color="#e11d48" ' +
        'data-label="Fale &quot;conosco&quot;" async></script>',
    );
  });
});
