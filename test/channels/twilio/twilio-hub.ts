import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import {
  adapterFactories,
  channelWebhooks,
  endpointAdapterFactories,
} from '../../../src/channels/channel-catalogue.js';
import { loadConfig } from '../../../src/core/config/config.js';
import { ChannelRuntime } from '../../../src/channels/channel-runtime.js';
import type { TwilioAdapter } from '../../../src/channels/twilio/adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startTwilioStandin, type TwilioStandin } from '../../standins/twilio.js';
import { createUser } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from '../../integration/web/web-harness.js';

/** The account of the fixtures (`test/fixtures/twilio/`). */
export const ACCOUNT_SID = 'AC3f9c2a7e5b1d4c8f6a0e2b9d7c5a3e1f';
export const AUTH_TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
/** What Twilio calls: the hub's public address (tests post to the local one, as a proxy would). */
export const PUBLIC_URL = 'https://support.example.test';
export const SMS_NUMBER = '+5511999990000';
export const VOICE_NUMBER = '+5511999991111';
export const CUSTOMER = '+5511987654321';

export type Params = Record<string, string>;

/** A fixture's form fields, `{{Name}}` placeholders filled and fields overridden. */
export function fixture(name: string, fill: Record<string, string> = {}): Params {
  const raw = readFileSync(new URL(`../../fixtures/twilio/${name}.json`, import.meta.url), 'utf8');
  const params = JSON.parse(raw.replace(/\{\{(\w+)\}\}/g, (_, k: string) => fill[k] ?? `{{${k}}}`)) as Params;
  for (const [k, v] of Object.entries(fill)) if (k in params || !raw.includes(`{{${k}}}`)) params[k] = v;
  return params;
}

export interface TwilioHub {
  h: WebHarness;
  standin: TwilioStandin;
  runtime: ChannelRuntime;
  admin: ApiClient;
  agent: ApiClient;
  /** Creates an inbox through the admin API and starts its adapter. */
  inbox(kind: 'sms' | 'voice', settings?: Record<string, unknown>): Promise<string>;
  adapter(inboxId: string): TwilioAdapter;
  /**
   * Posts a webhook as Twilio would: form body signed with the auth token over `signedUrl` (default: the
   * URL under PUBLIC_URL), sent to the hub's local address.
   */
  post(
    kind: 'sms' | 'voice',
    inboxId: string,
    params: Params,
    opts?: { query?: string; signedBase?: string; signature?: string },
  ): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTwilioHub(env: Record<string, string> = {}): Promise<TwilioHub> {
  const standin = await startTwilioStandin({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    numbers: [SMS_NUMBER, VOICE_NUMBER],
  });
  // The catalogue's factories, built from a config whose Twilio API base is the stand-in (as main.ts does).
  const endpoints = loadConfig({ PUBLIC_URL, TWILIO_API_BASE_URL: standin.url });
  const runtime = new ChannelRuntime(
    { ...adapterFactories, ...endpointAdapterFactories(endpoints) },
    createLogger('silent'),
  );
  const h = await startWebHarness({ PUBLIC_URL, ...env }, { webhooks: channelWebhooks, channels: runtime });
  const admin = await h.login(await createUser(h.t.core, 'admin'));
  const agent = await h.login(await createUser(h.t.core, 'agent'));
  const host = {
    listInboxes: () => h.t.core.inboxes.list(),
    channelContext: (id: string) => h.t.core.channelContext(id),
  };
  return {
    h,
    standin,
    runtime,
    admin,
    agent,
    async inbox(kind, settings = {}) {
      const { publicUrl, ...rest } = settings;
      const res = await admin.post('/api/inboxes', {
        kind,
        name: `${kind}-${Math.random().toString(36).slice(2, 8)}`,
        settings: {
          accountSid: ACCOUNT_SID,
          phoneNumber: kind === 'sms' ? SMS_NUMBER : VOICE_NUMBER,
          ...rest,
          ...(publicUrl ? { publicUrl } : {}),
        },
        secrets: { authToken: AUTH_TOKEN },
      });
      if (res.status !== 201) throw new Error(`inbox not created: ${res.status} ${res.text}`);
      const id = res.body.id as string;
      if (!(await runtime.startOne(host, id, kind))) throw new Error('adapter did not start');
      return id;
    },
    adapter: (inboxId) => runtime.adapterFor(inboxId) as TwilioAdapter,
    async post(kind, inboxId, params, opts = {}) {
      const path = `/webhooks/${kind}/${inboxId}${opts.query ?? ''}`;
      const signature =
        opts.signature ??
        twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${opts.signedBase ?? PUBLIC_URL}${path}`, params);
      return fetch(h.baseUrl + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': 'x',
        },
        body: new URLSearchParams(params).toString(),
      });
    },
    async stop() {
      await runtime.stopAll();
      await h.stop();
      await standin.stop();
    },
  };
}
