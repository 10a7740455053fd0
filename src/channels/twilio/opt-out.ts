/**
 * Keywords carriers and Twilio treat as opt-out / opt-in when they are the whole message
 * (Twilio's defaults plus Portuguese and Spanish). Accents and case are ignored.
 */
const OPT_OUT = new Set([
  'STOP',
  'STOPALL',
  'STOP ALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'REVOKE',
  'PARAR',
  'PARE',
  'SAIR',
  'CANCELAR',
  'BAJA',
  'DETENER',
]);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES', 'SUBSCRIBE', 'INICIAR', 'ALTA']);

/** `out`, `in`, or undefined for an ordinary message. Twilio's own verdict (`OptOutType`) wins when present. */
export function consentKeyword(body: string, optOutType?: string): 'out' | 'in' | undefined {
  const type = optOutType?.toUpperCase();
  if (type === 'STOP') return 'out';
  if (type === 'START') return 'in';
  const word = body
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[.!¡?¿]+$/u, '')
    .trim()
    .toUpperCase();
  if (OPT_OUT.has(word)) return 'out';
  if (OPT_IN.has(word)) return 'in';
  return undefined;
}
