// The step of requireMcpAuth that binds Mcp-Session-Id to a principal, after the token was verified.
import { InvalidRequestError, type ErrorRenderer } from '@tollgate/core';
import type { NextFunction, Request, Response } from 'express';
import { answer, send } from './answer.js';
import { accessTokenOf, asMcpRequest } from './auth-info.js';
import { principalOf, SessionBindings, type SessionLimits } from './sessions.js';

/** What the SDK's transport answers for a session it does not know; another principal's session gets the same. */
const SESSION_NOT_FOUND = {
  status: 404,
  headers: { 'Cache-Control': 'no-store' },
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
};

/** The session id the response sets, from writeHead's arguments or the headers set before it. */
function sessionIdSet(res: Response, args: unknown[]): string | undefined {
  for (const arg of args.slice(1)) {
    if (Array.isArray(arg)) {
      for (let i = 0; i + 1 < arg.length; i += 2) if (String(arg[i]).toLowerCase() === 'mcp-session-id') return String(arg[i + 1]);
    } else if (typeof arg === 'object' && arg !== null) {
      for (const [name, value] of Object.entries(arg)) if (name.toLowerCase() === 'mcp-session-id') return String(value);
    }
  }
  const set = res.getHeader('mcp-session-id');
  return set === undefined ? undefined : String(set);
}

/**
 * A handler that binds the request's `Mcp-Session-Id` to its principal, refusing another principal's (404)
 * or a malformed id (400) before `next`. A request without one (initialize) binds the id its response sets.
 */
export function bindSessions(limits: SessionLimits, render: ErrorRenderer | undefined): (req: Request, res: Response, next: NextFunction) => void {
  const bindings = new SessionBindings(limits);
  return (req, res, next) => {
    const principal = principalOf(accessTokenOf(asMcpRequest(req).auth));
    const id = req.headers['mcp-session-id'];
    if (id === undefined) {
      // The transport creates a session in answer to initialize: it is bound to its creator before anyone else can use it.
      const writeHead = res.writeHead;
      res.writeHead = function (this: Response, ...args: unknown[]) {
        res.writeHead = writeHead;
        const created = sessionIdSet(res, args);
        if (created !== undefined) bindings.use(created, principal);
        return (writeHead as (...a: unknown[]) => Response).apply(this, args);
      } as Response['writeHead'];
      next();
      return;
    }
    const verdict = bindings.use(Array.isArray(id) ? id.join(', ') : id, principal);
    if (verdict === 'malformed') answer(res, new InvalidRequestError('malformed Mcp-Session-Id', { reason: 'malformed_parameter' }), render);
    else if (verdict === 'foreign') send(res, SESSION_NOT_FOUND);
    else next();
  };
}
