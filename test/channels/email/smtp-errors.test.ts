import { describe, expect, it } from 'vitest';
import { classifyNetworkError, isAuthFailure } from '../../../src/channels/email/connection-errors.js';
import { mapSmtpError } from '../../../src/channels/email/smtp-errors.js';
import { classifyConnectionError } from '../../../src/channels/email/test-connection.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';

/** Errors shaped like the ones nodemailer, imapflow and Node's net/tls/dns produce. */
const err = (message: string, props: Record<string, unknown> = {}): Error => Object.assign(new Error(message), props);

describe('mapSmtpError', () => {
  it.each([
    [err("Can't send mail - all recipients were rejected: 550 5.1.1 User unknown", { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 User unknown', command: 'RCPT TO' }), 'SMTP_REJECTED', false, '550 5.1.1 User unknown'],
    [err('Message failed: 554 5.7.1 Spam', { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 Spam' }), 'SMTP_REJECTED', false, '554 5.7.1 Spam'],
    [err('Invalid login: 535 5.7.8 bad credentials', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }), 'SMTP_AUTH_FAILED', false, '535 5.7.8 bad credentials'],
    [err('Invalid login: 454 4.7.0 try later', { code: 'EAUTH', responseCode: 454, response: '454 4.7.0 try later' }), 'SMTP_TEMPORARY_FAILURE', true, '454 4.7.0 try later'],
    [err('Mail command failed: 451 4.7.1 greylisted', { code: 'EENVELOPE', responseCode: 451, response: '451 4.7.1 greylisted' }), 'SMTP_TEMPORARY_FAILURE', true, '451 4.7.1 greylisted'],
    [err('connect ECONNREFUSED 127.0.0.1:25', { code: 'ESOCKET', errno: -111 }), 'SMTP_CONNECTION_REFUSED', true, 'ECONNREFUSED'],
    [err('Connection timeout', { code: 'ETIMEDOUT' }), 'SMTP_TIMEOUT', true, 'Connection timeout'],
    [err('getaddrinfo ENOTFOUND smtp.example.invalid', { code: 'EDNS' }), 'SMTP_HOST_NOT_FOUND', true, 'ENOTFOUND'],
    [err('140:error:1408F10B:SSL routines:ssl3_get_record:wrong version number', { code: 'ESOCKET' }), 'SMTP_TLS_ERROR', true, 'wrong version number'],
    [err('Connection closed unexpectedly', { code: 'ECONNECTION' }), 'SMTP_CONNECTION_FAILED', true, 'Connection closed unexpectedly'],
    [err('something odd'), 'SMTP_FAILED', true, 'something odd'],
  ])('%s', (error, code, retryable, text) => {
    const mapped = mapSmtpError(error);
    expect(mapped).toBeInstanceOf(ChannelError);
    expect(mapped).toMatchObject({ code, retryable });
    expect(mapped.message).toContain(text);
  });

  it('passes a ChannelError through', () => {
    const e = new ChannelError('X', 'y', false);
    expect(mapSmtpError(e)).toBe(e);
  });

  it('reads the code from the reply text when responseCode is missing', () => {
    expect(mapSmtpError(err('failed', { response: '552 5.3.4 Message too big' }))).toMatchObject({ code: 'SMTP_REJECTED', retryable: false, message: '552 5.3.4 Message too big' });
  });
});

describe('connection error classification', () => {
  it.each([
    [err('connect ECONNREFUSED 127.0.0.1:993', { code: 'ECONNREFUSED' }), 'CONNECTION_REFUSED'],
    [err('getaddrinfo ENOTFOUND imap.example.invalid', { code: 'ENOTFOUND' }), 'HOST_NOT_FOUND'],
    [err('getaddrinfo EAI_AGAIN imap.example.com', { code: 'EAI_AGAIN' }), 'HOST_NOT_FOUND'],
    [err('Failed to establish connection', { code: 'CONNECT_TIMEOUT' }), 'TIMEOUT'],
    [err('Greeting never received', { code: 'GREETING_TIMEOUT' }), 'TIMEOUT'],
    [err('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'TLS_ERROR'],
    [err('unable to verify the first certificate', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), 'TLS_ERROR'],
    [err("Hostname/IP does not match certificate's altnames", { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TLS_ERROR'],
    [err('wrapper', { cause: err('connect ECONNREFUSED', { code: 'ECONNREFUSED' }) }), 'CONNECTION_REFUSED'],
  ])('%s', (error, code) => {
    expect(classifyNetworkError(error)).toBe(code);
    expect(classifyConnectionError(error).code).toBe(code);
  });

  it('auth failures of both libraries', () => {
    expect(isAuthFailure(err('Authentication failed', { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }))).toBe(true);
    expect(isAuthFailure(err('Invalid login', { code: 'EAUTH', responseCode: 535 }))).toBe(true);
    expect(classifyConnectionError(err('Invalid login', { code: 'EAUTH' })).code).toBe('AUTH_FAILED');
    expect(classifyConnectionError(err('nope')).code).toBe('UNKNOWN');
  });
});
