// Renders a Bearer challenge (RFC 6750 section 3) with values quoted so they cannot break the header.

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  errorDescription?: string | undefined;
  scope?: string | undefined;
  /** RFC 9470: the acceptable `acr` values, space-separated. */
  acrValues?: string | undefined;
  /** RFC 9470: the most seconds since the user authenticated. */
  maxAge?: number | undefined;
  /** RFC 9728 section 5.1: the URL of the Protected Resource Metadata. */
  resourceMetadata?: string | undefined;
}

// RFC 6750 section 3: error, error_description and scope allow only %x20-21 / %x23-5B / %x5D-7E,
// i.e. printable ASCII without '"' and '\'. Anything else is dropped rather than escaped.
const sanitizeRestricted = (value: string): string => value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');

// realm is an ordinary quoted-string (RFC 9110 section 5.6.4): escape '"' and '\', drop controls.
const quoteRealm = (value: string): string => value.replace(/[^\x20-\x7e]/g, '').replace(/(["\\])/g, '\\$1');

/** Renders `Bearer realm="...", error="...", error_description="...", scope="..."`, omitting absent parts. */
export function renderChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm="${quoteRealm(params.realm)}"`);
  if (params.error) parts.push(`error="${sanitizeRestricted(params.error)}"`);
  if (params.errorDescription) parts.push(`error_description="${sanitizeRestricted(params.errorDescription)}"`);
  if (params.scope) parts.push(`scope="${sanitizeRestricted(params.scope)}"`);
  if (params.acrValues) parts.push(`acr_values="${quoteRealm(params.acrValues)}"`);
  if (params.maxAge !== undefined && Number.isInteger(params.maxAge) && params.maxAge >= 0) parts.push(`max_age=${params.maxAge}`);
  if (params.resourceMetadata) parts.push(`resource_metadata="${quoteRealm(params.resourceMetadata)}"`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** The DPoP side of a challenge: which algorithms, whether Bearer is accepted too, which scheme the error is about. */
export interface DpopChallengeParams {
  algs: readonly string[];
  required: boolean;
  onDpop: boolean;
}

/** Renders `DPoP ...` (RFC 9449 section 7.1): the same parameters as a Bearer challenge, plus `algs`. */
function renderDpopChallenge(params: ChallengeParams, algs: readonly string[]): string {
  const bearer = renderChallenge(params);
  const rest = bearer === 'Bearer' ? '' : `${bearer.slice('Bearer '.length)}, `;
  return `DPoP ${rest}algs="${sanitizeRestricted(algs.join(' '))}"`;
}

/**
 * Renders the challenges of an API that accepts DPoP, in one header value (RFC 9110 section 11.6.1 allows
 * several challenges in one field): the error goes on the scheme the request used; `Bearer` is left out
 * when only DPoP is accepted (RFC 9449 section 7.1).
 */
export function renderChallenges(params: ChallengeParams, dpop: DpopChallengeParams): string {
  const onDpop = dpop.required || dpop.onDpop;
  // The bare challenge still says where the metadata is (RFC 9728 section 5.1): a client may pick either scheme.
  const bare: ChallengeParams = { realm: params.realm, resourceMetadata: params.resourceMetadata };
  const dpopChallenge = renderDpopChallenge(onDpop ? params : bare, dpop.algs);
  if (dpop.required) return dpopChallenge;
  return `${renderChallenge(onDpop ? bare : params)}, ${dpopChallenge}`;
}
