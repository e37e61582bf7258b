// The traffic: what each keep-alive connection (each bound to one adapter) sends next, and its loop of
// send-then-judge.
import { chaos } from './chaos.js';
import { send } from './client.js';
import { now } from './clock.js';
import { judge } from './judge.js';
import { pickOne, random } from './random.js';
import { countMeasuredRequest } from './results.js';
import { keyInfo, missMayBeFelt } from './timeline.js';
import { garbageToken, malformedHeader, pools, unknownKidToken } from './tokens.js';

// Relative weights of the steady mix; a flood adds unknown kids (and tokens of retired keys) on top.
const MIX = [
  ['valid (reused)', 55],
  ['lacking scope', 6],
  ['expired', 4],
  ['wrong audience', 4],
  ['wrong issuer', 3],
  ['tampered', 3],
  ['bad signature', 3],
  ['foreign key (known kid)', 3],
  ['alg none', 3],
  ['HS256 key confusion', 2],
  ['garbage', 3],
  ['malformed header', 3],
  ['oversized', 2],
  ['missing', 3],
];
const FLOOD_MIX = [...MIX, ['unknown kid (flood)', 30], ['retired key', 4]];
const weightOf = (mix) => mix.reduce((sum, [, weight]) => sum + weight, 0);
const MIX_TOTAL = weightOf(MIX);
const FLOOD_TOTAL = weightOf(FLOOD_MIX);

const bearer = (entry) => ({ token: entry.token, kid: entry.kid, authorization: `Bearer ${entry.token}` });

/** The next request: which kind, which token, which Authorization header. `queues`: the adapter's new tokens. */
function pickJob(queues) {
  if (queues.rotated.length > 0) return { kind: 'rotated key', ...bearer(queues.rotated.shift()) };
  if (queues.burst.length > 0 && random() < 0.5) return { kind: 'new token (burst)', ...bearer(queues.burst.shift()) };
  const mix = chaos.flood ? FLOOD_MIX : MIX;
  let roll = random() * (chaos.flood ? FLOOD_TOTAL : MIX_TOTAL);
  let kind = mix[0][0];
  for (const [name, weight] of mix) {
    if ((roll -= weight) < 0) {
      kind = name;
      break;
    }
  }
  switch (kind) {
    case 'valid (reused)':
      return { kind, ...bearer(pickOne(pools.valid)) };
    case 'lacking scope':
      return { kind, ...bearer(pickOne(pools.lackingScope)) };
    case 'expired':
      return { kind, ...bearer(pickOne(pools.expired)) };
    case 'wrong audience':
      return { kind, ...bearer(pickOne(pools.wrongAudience)) };
    case 'wrong issuer':
      return { kind, ...bearer(pickOne(pools.wrongIssuer)) };
    case 'tampered':
      return { kind, ...bearer(pickOne(pools.tampered)) };
    case 'bad signature':
      return { kind, ...bearer(pickOne(pools.badSignature)) };
    case 'foreign key (known kid)':
      return { kind, ...bearer(pickOne(pools.foreignKey)) };
    case 'alg none':
      return { kind, ...bearer(pickOne(pools.algNone)), kid: undefined };
    case 'HS256 key confusion':
      return { kind, ...bearer(pickOne(pools.hs256)), kid: undefined };
    case 'oversized':
      return { kind, ...bearer(pickOne(pools.oversized)), kid: undefined };
    case 'garbage': {
      const token = garbageToken();
      return { kind, token, kid: undefined, authorization: `Bearer ${token}` };
    }
    case 'malformed header': {
      const authorization = malformedHeader();
      return { kind, token: authorization.split(' ')[1] ?? undefined, kid: undefined, authorization };
    }
    case 'missing':
      return { kind, token: undefined, kid: undefined, authorization: undefined };
    case 'unknown kid (flood)':
      return { kind, ...bearer(unknownKidToken()), unknownKid: true };
    case 'retired key':
      return pools.retired.length > 0 ? { kind, ...bearer(pickOne(pools.retired)) } : { kind: 'unknown kid (flood)', ...bearer(unknownKidToken()), unknownKid: true };
    default:
      throw new Error(`no such kind ${kind}`);
  }
}

/**
 * A client connection's loop against one adapter's app until `until`. `newTokensOnly`: it only sends
 * tokens from that adapter's rotation and burst queues.
 */
export async function worker(target, until, measure, newTokensOnly = false) {
  const { queues, miss } = target;
  while (now() < until) {
    let job;
    if (!newTokensOnly) job = pickJob(queues);
    else if (queues.rotated.length > 0) job = { kind: 'rotated key', ...bearer(queues.rotated.shift()) };
    else if (queues.burst.length > 0) job = { kind: 'new token (burst)', ...bearer(queues.burst.shift()) };
    else {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    job.target = target;
    job.sentAt = now();
    const missRisk = job.unknownKid === true || (job.kid !== undefined && keyInfo.get(job.kid)?.retiredAt !== undefined);
    job.missRiskAtSend = missMayBeFelt(miss, job.sentAt);
    if (missRisk) {
      miss.inflight += 1;
      miss.sent += 1;
    }
    job.missSeq = miss.sent;
    const result = await send(target, job.authorization);
    job.doneAt = now();
    if (missRisk) {
      miss.inflight -= 1;
      miss.lastEnd = job.doneAt;
    }
    if (measure) countMeasuredRequest();
    judge(job, result);
  }
}
