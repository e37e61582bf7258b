// The --help texts, exit codes included, so a script author finds them without the README.
import type { CommandName } from './parse-cli-args.js';

const EXIT_CODES = `Exit codes:
  0   valid (verify) or decoded (inspect)
  1   invalid token: refused with 401 invalid_token, or not a decodable JWT
  2   insufficient scope: refused with 403 insufficient_scope
  3   issuer or JWKS unreachable: 503, the token was not judged
  64  usage error: unknown flag, invalid option, no token
  70  internal error (a bug in tollgate)`;

const TOKEN_INPUT = `The token is the argument, or stdin when the argument is '-' or absent (and stdin is
not a terminal); surrounding whitespace and a leading "Bearer " are removed. stdin is
read up to 64 KiB. The signature and the raw token are never printed.`;

const MAIN = `tollgate: inspect and verify OAuth 2.0 JWT access tokens

Usage:
  tollgate inspect [token|-] [--json]
  tollgate verify [token|-] --issuer <url> --audience <aud> [options]
  tollgate help [inspect|verify]
  tollgate --version

Commands:
  inspect   decode the header and claims WITHOUT verifying; warn about what an API will refuse
  verify    verify with @tollgate/core and show the RFC 6750 response an API would send

${TOKEN_INPUT}

${EXIT_CODES}
`;

const INSPECT = `Usage: tollgate inspect [token|-] [--json]

Decodes the token's header and claims without verifying anything: times in human terms
(exp, nbf, iat), scopes, client, subject, issuer, audience, alg, kid, and warnings about
what a resource server will refuse (alg none or HS*, no exp, expired, crit, cnf-bound, ...).

Options:
  --json       one JSON object on stdout: {"verified":false,"header":{...},"claims":{...},
               "scopes":[...],"expiresAt":...,"expiresIn":...,"warnings":[...]}
  -h, --help   this help

${TOKEN_INPUT}

${EXIT_CODES}
`;

const VERIFY = `Usage: tollgate verify [token|-] --issuer <url> --audience <aud> [options]

Verifies the token with @tollgate/core, as the Express, Koa and Fastify adapters do: keys
from the issuer's JWKS (discovered, or --jwks-uri), signature, iss, aud, exp, nbf, typ,
then the scopes. Prints the token and "valid", or the reason and the HTTP response
(status, WWW-Authenticate, JSON body) an API would send.

Options:
  --issuer <url>             expected iss; repeat for several (required)
  --audience <aud>           this API's identifier, matched against aud; repeatable (required)
  --scope <scope>            required scope; repeatable, or several space-separated
  --any-scope                one of the --scope values is enough (default: all)
  --jwks-uri <url>           JWKS URL; skips discovery
  --algorithms <list>        allowed algs, comma-separated (default RS256,PS256,ES256,EdDSA)
  --clock-tolerance <time>   leeway for exp, nbf, iat: '5s' (default), '30s', or seconds
  --max-token-age <time>     refuse tokens whose iat is older
  --timeout <time>           per HTTP request to the issuer (default 5s)
  --realm <realm>            realm of the WWW-Authenticate challenge (default api)
  --strict                   RFC 9068 only: typ at+jwt and its required claims
  --allow-insecure-requests  allow an http:// issuer on localhost/127.0.0.1 (development)
  --allow-insecure-host <h>  also allow http:// on this development host (e.g. keycloak); repeatable
  --json                     one JSON object on stdout:
                             {"valid":true,"header":{...},"claims":{...},"scopes":[...],...} or
                             {"valid":false,"status":401,"code":"invalid_token","reason":"expired",
                              "description":"token expired","wwwAuthenticate":"Bearer ...",...}
  -h, --help                 this help

${TOKEN_INPUT}

${EXIT_CODES}
`;

/**
 * The help text of a command, or the overview.
 * @param topic a command name, or `undefined` for the overview
 * @example process.stdout.write(helpText('verify'))
 */
export function helpText(topic?: CommandName): string {
  return topic === 'inspect' ? INSPECT : topic === 'verify' ? VERIFY : MAIN;
}
