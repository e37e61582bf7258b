// The absolute URL an Express request was sent to, as the client wrote it (for a DPoP proof's `htu`).
import { requestUrlFrom } from '@tollgate/core';
import type { Request } from 'express';

/**
 * `req.protocol` and the host as Express reads them, so `X-Forwarded-Proto` and `X-Forwarded-Host` count
 * only under the app's `trust proxy` setting; `undefined` without a Host header, or when a part could
 * move where the path begins (core's `requestUrlFrom`).
 */
export function requestUrl(req: Pick<Request, 'app' | 'get' | 'socket' | 'protocol' | 'originalUrl' | 'url'>): string | undefined {
  const trust = req.app?.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined;
  let host = req.get('X-Forwarded-Host');
  if (!host || typeof trust !== 'function' || !trust(req.socket?.remoteAddress, 0)) host = req.get('Host');
  else if (host.includes(',')) host = host.slice(0, host.indexOf(',')).trimEnd();
  return requestUrlFrom(req.protocol, host, req.originalUrl ?? req.url);
}
