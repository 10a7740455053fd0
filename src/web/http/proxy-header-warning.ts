import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * Behind a reverse proxy every request comes from the proxy's address unless TRUST_PROXY is set: the login and
 * web chat limits per client address would then lump every visitor together. Requests carrying
 * `X-Forwarded-For` while TRUST_PROXY is false say that is happening; the hub says so once in the log.
 */
export function warnOnUntrustedProxyHeaders(trustProxy: boolean, logger: Logger): RequestHandler {
  let warned = trustProxy;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        { remoteAddress: req.socket.remoteAddress },
        'requests carry X-Forwarded-For but TRUST_PROXY is false: every client behind the proxy counts as one ' +
          'address for the login and web chat limits; set TRUST_PROXY=true if a proxy you run sets this header',
      );
    }
    next();
  };
}
