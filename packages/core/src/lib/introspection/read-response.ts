// Reads an introspection answer (RFC 7662 section 2.2, RFC 9701): the endpoint's status, a JSON object or a signed JWT, and `active`.
import type { IntrospectionCacheEntry } from '../../introspection.js';
import { IntrospectionFailure, type FormResponse } from './post-form.js';

/** The media type of a signed introspection response (RFC 9701 section 5). */
export const JWT_RESPONSE_TYPE = 'application/token-introspection+jwt';

/** How to read an answer: whether a signed one is required, and how to verify it (returns the `token_introspection` member). */
export interface ReadSettings {
  readonly url: string;
  readonly jwtResponse: boolean;
  readonly verifyJwt: (jwt: string) => Promise<unknown>;
}

/** The JSON value of `text`, or `undefined` when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The cache entry an answer stands for. Throws {@link IntrospectionFailure} when it cannot be used: the
 * endpoint refused the API's credentials, failed, or answered something that is not an introspection
 * response; the token is not at fault then, so the caller answers 503, never 401.
 * @see RFC 7662 section 2.2, RFC 9701 section 5
 */
export async function readIntrospectionResponse(response: FormResponse, settings: ReadSettings): Promise<IntrospectionCacheEntry> {
  const { status, mediaType, body } = response;
  const { url } = settings;
  if (status !== 200) {
    const error = isObject(parseJson(body)) ? (parseJson(body) as { error?: unknown }).error : undefined;
    // RFC 7662 section 2.1: the endpoint authenticates the API; a refusal means the API's credentials are wrong.
    if (status === 401 || status === 403 || error === 'invalid_client' || error === 'unauthorized_client') {
      throw new IntrospectionFailure(`POST ${url} refused the API's client credentials (${status}${typeof error === 'string' ? ` ${safe(error)}` : ''}); check introspection.clientId and its secret or key`, 'client_credentials');
    }
    // RFC 7009 section 2.2.1's code, which some servers (oidc-provider for JWTs) answer at introspection too:
    // the server cannot vouch for this token, so it is not active.
    if (status === 400 && error === 'unsupported_token_type') return { active: false };
    // Any other 400, or a token too large to be taken (413, 414): the endpoint would not introspect this
    // token. RFC 7662 section 2.2 answers a malformed token with active: false, and a token an attacker
    // chose must not count as the endpoint failing for every other token.
    if (status === 400 || status === 413 || status === 414) return { active: false };
    // Slow down: this request is refused (503); the others go on, within introspection.maxPerSecond.
    if (status === 429) throw new IntrospectionFailure(`POST ${url} answered 429 (too many requests)`, 'endpoint', true);
    throw new IntrospectionFailure(`POST ${url} answered ${status}${typeof error === 'string' ? ` ${safe(error)}` : ''}`, 'endpoint');
  }
  let document: unknown;
  if (settings.jwtResponse) {
    // Asked for a signed answer: anything else may be a downgrade, so it is not used.
    if (mediaType !== JWT_RESPONSE_TYPE) throw new IntrospectionFailure(`POST ${url} answered ${safe(mediaType) || 'no content type'}, not the signed ${JWT_RESPONSE_TYPE} that introspection.jwtResponse requires`, 'response');
    document = await settings.verifyJwt(body.trim());
  } else {
    if (mediaType !== 'application/json') throw new IntrospectionFailure(`POST ${url} answered ${safe(mediaType) || 'no content type'}, not application/json`, 'response');
    document = parseJson(body);
  }
  if (!isObject(document)) throw new IntrospectionFailure(`POST ${url} answered something other than a JSON object`, 'response');
  // RFC 7662 section 2.2: `active` is a boolean; anything but true (a string "true", 1, absent) is not active.
  if (document.active !== true) return { active: false };
  return { active: true, claims: document };
}

/** A short, printable excerpt of a value from the endpoint, for a message. */
function safe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
}
