// The invariants, per response: no leaks, well-formed refusals, and the status the token kind allows.
import { secs } from './clock.js';
import { JWKS, REALM, SCOPE, SLACK_MS } from './options.js';
import { byAdapter, count, notes, STATUS_COLUMNS, violation } from './results.js';
import { faultMayAffect, keyInfo } from './timeline.js';

const STACK = [/\bat [^\s]+ \(/, /^\s*at /m, /\.js:\d/, /\.ts:\d/, /\/src\//, /node:internal/];
const KEY_MATERIAL = ['"d":', '"n":', '"x":', '"y":', '"p":', '"q":', '-----BEGIN'];

function parseChallenge(value) {
  const params = {};
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer(?: (.*))?$/.exec(value);
  if (!match) return undefined;
  for (const [, name, quoted] of (match[1] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[name] = quoted;
  return params;
}

/** Checks one response (of job.target's app, against that adapter's verifier's view); records the counts and any violation. */
export function judge(job, result) {
  const { kind } = job;
  const tally = byAdapter.get(job.target.name);
  const s = job.sentAt;
  const e = job.doneAt;
  if (result.error) {
    const timeout = result.error.code === 'SOAK_TIMEOUT';
    count(job, timeout ? 'timeout' : 'conn error');
    violation(timeout ? 'hang (client timeout)' : 'connection error', job, result, result.error.message);
    return;
  }
  const { status, headers, body } = result;
  count(job, STATUS_COLUMNS.includes(String(status)) ? String(status) : 'other');

  // --- never leaks: the token, a stack trace, key material (every response, every kind)
  const headerText = Object.entries(headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`)
    .join('\n');
  const everything = `${headerText}\n${body}`;
  if (job.token && job.token.length >= 8 && everything.includes(job.token)) violation('token echoed', job, result);
  const signature = job.token?.split('.')[2];
  if (signature && signature.length >= 16 && everything.includes(signature)) violation('token signature echoed', job, result);
  if (STACK.some((pattern) => pattern.test(everything))) violation('stack trace in response', job, result);
  if (KEY_MATERIAL.some((needle) => everything.includes(needle))) violation('key material in response', job, result);

  // --- well-formed refusals
  const challenge = parseChallenge(headers['www-authenticate']);
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (status >= 500 && status !== 503) {
    tally.serverErrors += 1;
    violation('5xx other than 503', job, result);
    return;
  }
  if (status >= 400) {
    if (!challenge || challenge.realm !== REALM) violation('refusal without a Bearer challenge', job, result);
    else if ((json?.error ?? undefined) !== (challenge.error ?? undefined)) violation('body error differs from challenge', job, result);
    if (headers['cache-control'] !== 'no-store') violation('refusal without Cache-Control: no-store', job, result);
  }
  if (status === 503) {
    if (challenge?.error !== 'temporarily_unavailable') violation('503 that is not temporarily_unavailable', job, result);
    const retryAfter = Number(headers['retry-after']);
    if (!(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= JWKS.cooldown + 1)) violation('503 without a sound Retry-After', job, result);
  }
  if (status === 401 && challenge?.error !== undefined && challenge.error !== 'invalid_token') violation('401 that is not invalid_token', job, result);
  if (status === 400 && challenge?.error !== 'invalid_request') violation('400 that is not invalid_request', job, result);
  if (status === 403 && (challenge?.error !== 'insufficient_scope' || challenge.scope !== SCOPE)) violation(`403 without insufficient_scope, scope="${SCOPE}"`, job, result);
  if (status === 200 && json?.ok !== true) violation('200 without the handler body', job, result);

  // --- the status this kind of token allows
  const code = challenge?.error;
  const may503 = () => faultMayAffect(s, e) && !(job.kid && !job.unknownKid && job.target.jwks.keyWasUsable(job.kid, s, e));
  const allow503 = (reason) => {
    if (status !== 503) return false;
    if (may503()) {
      notes.allowed503 += 1;
      tally.allowed503 += 1;
      return true;
    }
    violation(faultMayAffect(s, e) ? '503 although the key was cached and usable' : `503 with no JWKS fault (${reason})`, job, result);
    return true;
  };
  switch (kind) {
    case 'missing':
      if (!(status === 401 && challenge && challenge.error === undefined && Object.keys(challenge).join() === 'realm')) {
        violation('missing token: not a 401 with a bare challenge', job, result);
      }
      return;
    case 'malformed header':
      // RFC 6750 section 3.1: another scheme's credentials are no bearer credentials (401, bare challenge);
      // a malformed Bearer credential is invalid_request.
      if (/^bearer(?: |$)/i.test(job.authorization ?? '')) {
        if (!(status === 400 && code === 'invalid_request')) violation('malformed Bearer header: not 400 invalid_request', job, result);
      } else if (!(status === 401 && challenge && challenge.error === undefined && Object.keys(challenge).join() === 'realm')) {
        violation('another scheme: not a 401 with a bare challenge', job, result);
      }
      return;
    case 'alg none':
    case 'HS256 key confusion':
    case 'garbage':
    case 'oversized':
      // Refused before any key is needed: never a 503.
      if (!(status === 401 && code === 'invalid_token')) violation(`${kind}: not 401 invalid_token`, job, result);
      return;
    case 'unknown kid (flood)':
      if (allow503('unknown kid')) return;
      if (!(status === 401 && code === 'invalid_token')) violation('unknown kid: not 401 invalid_token', job, result);
      return;
    case 'tampered':
    case 'bad signature':
    case 'foreign key (known kid)':
      // A signature the key in hand does not verify may be a key replaced behind its kid: with keys a
      // cooldown old, the verifier refetches first, so while the endpoint fails that is a 503 too.
      if (status === 503 && faultMayAffect(s, e)) {
        notes.allowed503 += 1;
        tally.allowed503 += 1;
        return;
      }
      if (allow503(kind)) return;
      if (!(status === 401 && code === 'invalid_token')) violation(`${kind}: not 401 invalid_token`, job, result);
      return;
    case 'expired':
    case 'wrong audience':
    case 'wrong issuer':
      // Their kid is live, so the verifier may need the key set first: a 503 only as for valid tokens.
      if (allow503(kind)) return;
      if (!(status === 401 && code === 'invalid_token')) violation(`${kind}: not 401 invalid_token`, job, result);
      return;
    default:
      judgeSigned(job, result, code, allow503);
  }
}

/** Correctly signed tokens: valid, new, rotated, lacking scope, retired. */
function judgeSigned(job, result, code, allow503) {
  const { kind, kid } = job;
  const { jwks, miss } = job.target;
  const s = job.sentAt;
  const e = job.doneAt;
  const expected = kind === 'lacking scope' ? 403 : 200;
  const info = keyInfo.get(kid);
  const retired = info?.retiredAt !== undefined && info.retiredAt <= e;
  const { status } = result;
  // Requests with no exemption in reach (no fault, no flood, key live): only the expected status will do.
  if (!retired && !faultMayAffect(s, e) && !(job.missRiskAtSend || job.missSeq !== miss.sent || miss.inflight > 0)) {
    notes.strict += 1;
    if (kind === 'rotated key') notes.strictRotated += 1;
  }
  if (status === expected) {
    if (retired && jwks.keyWasGone(kid, info.retiredAt, s, e)) violation('retired key still verifies after a JWKS without it', job, result);
    else if (retired) notes.retiredStillValid += 1;
    return;
  }
  if (allow503(kind)) return;
  if (status === 401 && code === 'invalid_token') {
    if (retired && !jwks.keyWasUsable(kid, s, e)) {
      notes.retiredRefused += 1;
      return;
    }
    // The documented cost of the unknown-kid cooldown: while a flood keeps it running, a key younger
    // than one cooldown may be refused until the cooldown ends (docs/keys.md, "Rotation without a window").
    const description = JSON.parse(result.body || '{}').error_description;
    const floodRisk = miss.inflight > 0 || job.missSeq !== miss.sent || job.missRiskAtSend;
    const young = info !== undefined && s < info.publishedAt + JWKS.cooldown * 1000 + SLACK_MS;
    if (!retired && description === 'unknown signing key' && floodRisk && young && !jwks.keyWasUsable(kid, s, e)) {
      notes.floodRefusals += 1;
      return;
    }
    const age = info ? `${secs(s - info.publishedAt)} s after the key was published` : 'unknown key';
    violation(retired ? '401 for a retired key the verifier still had' : '401 window: a valid token refused', job, result, `${description}; ${age}; flood risk ${floodRisk}`);
    return;
  }
  violation(`${kind}: unexpected status ${status} (expected ${expected})`, job, result);
}
