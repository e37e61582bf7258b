// Turns a corpus recipe (data) into a real token, signed with this run's keys: the corpus holds no key material.
import { createHmac, KeyObject, sign as signBytes, constants } from 'node:crypto';
import { createSigningKey, tamperSignature, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { KEY_ALGS, type CorpusCase, type KeyAlg, type Mutation, type Recipe, type Repeat, type SignMode, type Text } from './corpus-case.js';

/** What a recipe's placeholders and signatures are made from. */
export interface BuildContext {
  issuer: TestIssuer;
  /** The verifier's frozen clock, epoch seconds (`$now`). */
  now: number;
  /** Origin of the trap server that `jku`/`x5u` point at (`$trap`). */
  trapOrigin: string;
}

/** Builds tokens and Authorization lines from recipes. */
export interface TokenBuilder {
  /** The token of a recipe. */
  token(recipe: Recipe): Promise<string>;
  /** The Authorization line of a case carrying `token`. */
  authorization(c: CorpusCase, token: string): string;
  /** The attacker's key for `alg`: same algorithm as the issuer's, never published. */
  attackerKey(alg: KeyAlg): TestSigningKey;
  /** The issuer's key for `alg`. */
  issuerKey(alg: KeyAlg): TestSigningKey;
}

/** A header or claim value that removes the member from the defaults. */
export const OMIT = '$omit';
const ALG_SUFFIX = '(?::(RS256|PS256|ES256|EdDSA))?';
const WHOLE_NOW = /^\$now(?:([+-])(\d+))?$/;
const WHOLE_JWK = new RegExp(`^\\$(jwk|attackerJwk)${ALG_SUFFIX}$`);
// `$now` takes an offset (`$now-600`); the others take an algorithm (`$kid:ES256`).
const INLINE = new RegExp(`\\$(?:now(?:([+-])(\\d+))?|(iss|aud|kid|attackerKid|trap)${ALG_SUFFIX})`, 'g');
// Bytes of one signature per key type, for the `garbage` and `zero` modes.
const SIGNATURE_BYTES: Record<KeyAlg, number> = { RS256: 256, PS256: 256, ES256: 64, EdDSA: 64 };
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// RFC 8032 section 5.1: L, the order of the Ed25519 base point.
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** Base64url without padding (RFC 7515 section 2). */
export const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const isRepeat = (value: unknown): value is Repeat => {
  const candidate = value as { repeat?: unknown; count?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.repeat === 'string' && typeof candidate.count === 'number';
};

/**
 * Signs `input` with `key` the way JWS `key.alg` does, over exactly these bytes; returns the base64url signature.
 * @example jwsSign(issuer.keys[0], `${header}.${payload}`)
 * @see RFC 7518 section 3, RFC 8037 section 3.1
 */
export function jwsSign(key: TestSigningKey, input: string | Buffer): string {
  const privateKey = KeyObject.from(key.privateKey as unknown as Parameters<typeof KeyObject.from>[0]);
  const data = typeof input === 'string' ? Buffer.from(input) : input;
  switch (key.alg) {
    case 'EdDSA':
      return b64url(signBytes(null, data, privateKey));
    case 'ES256':
      return b64url(signBytes('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    case 'PS256':
      return b64url(signBytes('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
    default:
      return b64url(signBytes('sha256', data, privateKey));
  }
}

/**
 * Creates a builder bound to a live issuer; attacker keys (one per algorithm) are generated now.
 * @example
 * const builder = await createTokenBuilder({ issuer, now, trapOrigin: trap.origin });
 * const token = await builder.token({ header: { alg: 'none' }, sign: 'none' });
 */
export async function createTokenBuilder(ctx: BuildContext): Promise<TokenBuilder> {
  const attackers = new Map<KeyAlg, TestSigningKey>();
  for (const alg of KEY_ALGS) attackers.set(alg, await createSigningKey(alg, `attacker-${alg.toLowerCase()}`));
  const issuerKey = (alg: KeyAlg): TestSigningKey => {
    const key = ctx.issuer.keys.find((candidate) => candidate.alg === alg && candidate.published);
    if (!key) throw new Error(`the test issuer has no published ${alg} key`);
    return key;
  };
  const attackerKey = (alg: KeyAlg): TestSigningKey => attackers.get(alg)!;

  const inline = (text: string, signer: KeyAlg): string =>
    text.replace(INLINE, (_all, sign: string | undefined, offset: string | undefined, name: string | undefined, alg: KeyAlg | undefined) => {
      switch (name) {
        case undefined:
          return String(ctx.now + (offset === undefined ? 0 : (sign === '-' ? -1 : 1) * Number(offset)));
        case 'iss':
          return ctx.issuer.issuer;
        case 'aud':
          return ctx.issuer.audience;
        case 'kid':
          return issuerKey(alg ?? signer).kid;
        case 'attackerKid':
          return attackerKey(alg ?? signer).kid;
        default:
          return ctx.trapOrigin;
      }
    });
  const text = (value: Text, signer: KeyAlg): string => {
    if (typeof value === 'string') return inline(value, signer);
    if (Array.isArray(value)) return value.map((part: string | Repeat) => text(part, signer)).join('');
    const run = value as Repeat;
    return inline(run.prefix ?? '', signer) + run.repeat.repeat(run.count) + inline(run.suffix ?? '', signer);
  };

  // Deep copy with placeholders expanded; Object.fromEntries keeps a `__proto__` key as an own member.
  const expand = (value: unknown, signer: KeyAlg): unknown => {
    if (typeof value === 'string') {
      const now = WHOLE_NOW.exec(value);
      if (now) return ctx.now + (now[1] === '-' ? -1 : 1) * Number(now[2] ?? 0);
      const jwk = WHOLE_JWK.exec(value);
      if (jwk) return { ...(jwk[1] === 'jwk' ? issuerKey : attackerKey)((jwk[2] as KeyAlg | undefined) ?? signer).publicJwk };
      return inline(value, signer);
    }
    if (Array.isArray(value)) return value.map((item) => expand(item, signer));
    if (isRepeat(value)) return text(value, signer);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, expand(member, signer)]));
    }
    return value;
  };
  const withoutOmitted = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([, member]) => member !== OMIT))
      : value;

  const defaultHeader = (signer: KeyAlg) => ({ alg: signer, kid: issuerKey(signer).kid, typ: 'at+jwt' });
  const defaultClaims = (id: string) => ({
    iss: ctx.issuer.issuer,
    aud: ctx.issuer.audience,
    sub: 'client-123',
    client_id: 'client-123',
    iat: ctx.now,
    exp: ctx.now + 300,
    jti: `hostile-${id}`,
  });
  const merge = (base: Record<string, unknown>, over: unknown, bare: boolean | undefined, signer: KeyAlg): unknown => {
    const expanded = expand(over, signer);
    if (bare || typeof expanded !== 'object' || expanded === null || Array.isArray(expanded)) return expanded;
    return withoutOmitted({ ...base, ...expanded });
  };
  const bytes = (value: string, encoding: Recipe['rawEncoding']) => Buffer.from(value, encoding === 'latin1' ? 'latin1' : 'utf8');

  async function signature(mode: SignMode, signer: KeyAlg, input: string, header: unknown, payloadText: string): Promise<string> {
    const publicKey = () => KeyObject.from(issuerKey(signer).publicKey as unknown as Parameters<typeof KeyObject.from>[0]);
    // The hash of an HMAC forgery follows the header's own HS alg: what a verifier trusting `alg` would use.
    const hash = () => {
      const alg = (header as { alg?: unknown } | null)?.alg;
      return typeof alg === 'string' && /^HS(256|384|512)$/.test(alg) ? `sha${alg.slice(2)}` : 'sha256';
    };
    switch (mode) {
      case 'valid':
        return jwsSign(issuerKey(signer), input);
      case 'attacker':
        return jwsSign(attackerKey(signer), input);
      case 'none':
        return '';
      case 'garbage':
        return b64url(Buffer.alloc(SIGNATURE_BYTES[signer], 'not a signature of anything '));
      case 'zero':
        return b64url(Buffer.alloc(SIGNATURE_BYTES[signer]));
      case 'hmac-pem':
        return createHmac(hash(), publicKey().export({ type: 'spki', format: 'pem' })).update(input).digest('base64url');
      case 'hmac-der':
        return createHmac(hash(), publicKey().export({ type: 'spki', format: 'der' })).update(input).digest('base64url');
      case 'hmac-jwk':
        return createHmac(hash(), JSON.stringify(issuerKey(signer).publicJwk)).update(input).digest('base64url');
      case 'pss-salt-zero':
      case 'pss-salt-max': {
        // RFC 7518 section 3.5 fixes the salt at the hash size; other salt lengths are other signatures.
        const key = KeyObject.from(issuerKey('PS256').privateKey as unknown as Parameters<typeof KeyObject.from>[0]);
        const saltLength = mode === 'pss-salt-zero' ? 0 : constants.RSA_PSS_SALTLEN_MAX_SIGN;
        return b64url(signBytes('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }));
      }
      case 'ecdsa-der': {
        // RFC 7518 section 3.4 wants r || s; DER is what most crypto libraries produce by default.
        const key = KeyObject.from(issuerKey('ES256').privateKey as unknown as Parameters<typeof KeyObject.from>[0]);
        return b64url(signBytes('sha256', Buffer.from(input), { key, dsaEncoding: 'der' }));
      }
      case 'b64-false':
        // RFC 7797 section 3: the signing input holds the payload unencoded.
        return jwsSign(issuerKey(signer), Buffer.concat([Buffer.from(`${input.split('.')[0]}.`), Buffer.from(payloadText)]));
    }
  }

  async function token(recipe: Recipe, id = 'case'): Promise<string> {
    const signer = recipe.key ?? 'RS256';
    if (recipe.raw !== undefined) return mutate(text(recipe.raw, signer), recipe.mutate ?? [], recipe, id);
    const rawHeader = recipe.headerRaw !== undefined || recipe.headerB64 !== undefined;
    const header = rawHeader ? undefined : merge(defaultHeader(signer), recipe.header ?? {}, recipe.bareHeader, signer);
    const headerSegment =
      recipe.headerB64 !== undefined
        ? text(recipe.headerB64, signer)
        : b64url(bytes(recipe.headerRaw !== undefined ? text(recipe.headerRaw, signer) : JSON.stringify(header), recipe.rawEncoding));
    const payloadText =
      recipe.payloadRaw !== undefined
        ? text(recipe.payloadRaw, signer)
        : recipe.payloadB64 !== undefined
          ? ''
          : JSON.stringify(merge(defaultClaims(id), recipe.payload ?? {}, recipe.barePayload, signer));
    const payloadSegment = recipe.payloadB64 !== undefined ? text(recipe.payloadB64, signer) : b64url(bytes(payloadText, recipe.rawEncoding));
    const input = `${headerSegment}.${payloadSegment}`;
    const signed = `${input}.${await signature(recipe.sign ?? 'valid', signer, input, header, payloadText)}`;
    return mutate(signed, recipe.mutate ?? [], recipe, id);
  }

  async function mutate(start: string, mutations: readonly Mutation[], recipe: Recipe, id: string): Promise<string> {
    const signer = recipe.key ?? 'RS256';
    let current = start;
    for (const m of mutations) {
      const segments = current.split('.');
      const at = (index: number) => (index < 0 ? segments.length + index : index);
      switch (m.op) {
        case 'flipSignature':
          current = tamperSignature(current);
          break;
        case 'setSegment':
          segments[at(m.index)] = m.encode ? b64url(text(m.text, signer)) : text(m.text, signer);
          current = segments.join('.');
          break;
        case 'appendSegment':
          current = `${current}.${text(m.text, signer)}`;
          break;
        case 'removeSegment':
          segments.splice(at(m.index), 1);
          current = segments.join('.');
          break;
        case 'insert': {
          const segment = segments[at(m.segment)] ?? '';
          const position = m.at < 0 ? segment.length + m.at : m.at;
          segments[at(m.segment)] = segment.slice(0, position) + m.text + segment.slice(position);
          current = segments.join('.');
          break;
        }
        case 'replace':
          if (m.segment === undefined) current = current.split(m.from).join(m.to);
          else {
            segments[at(m.segment)] = (segments[at(m.segment)] ?? '').split(m.from).join(m.to);
            current = segments.join('.');
          }
          break;
        case 'append':
          current += text(m.text, signer);
          break;
        case 'prepend':
          current = text(m.text, signer) + current;
          break;
        case 'replacePayload':
          segments[1] = b64url(JSON.stringify(merge(defaultClaims(id), m.payload, false, signer)));
          current = segments.join('.');
          break;
        case 'replaceHeader':
          segments[0] = b64url(JSON.stringify(merge(defaultHeader(signer), m.header, false, signer)));
          current = segments.join('.');
          break;
        case 'swapSignature': {
          // The signature of another token by the same key: valid, just not over these bytes.
          const other = await token({ ...recipe, mutate: [], payload: { ...(recipe.payload as object | undefined), jti: 'another' } }, id);
          segments[2] = other.split('.')[2] ?? '';
          current = segments.join('.');
          break;
        }
        case 'ed25519AddOrder': {
          // S is the little-endian second half of an Ed25519 signature; S + L verifies only without the S < L check.
          const signature = Buffer.from(segments[2] ?? '', 'base64url');
          let s = 0n;
          for (let i = 63; i >= 32; i -= 1) s = (s << 8n) | BigInt(signature[i] ?? 0);
          s += ED25519_ORDER;
          for (let i = 32; i < 64; i += 1) {
            signature[i] = Number(s & 0xffn);
            s >>= 8n;
          }
          segments[2] = b64url(signature);
          current = segments.join('.');
          break;
        }
        case 'nonCanonicalEnd': {
          // Flip a padding bit of the last character: the same bytes for a lenient decoder, other text.
          const segment = segments[at(m.segment)] ?? '';
          if (segment.length % 4 === 0 || segment.length % 4 === 1) throw new Error('nonCanonicalEnd: segment has no spare bits');
          const last = B64URL.indexOf(segment.at(-1) ?? 'A');
          segments[at(m.segment)] = segment.slice(0, -1) + B64URL[last ^ 1];
          current = segments.join('.');
          break;
        }
      }
    }
    return current;
  }

  return {
    token: (recipe) => token(recipe, (recipe as Partial<CorpusCase>).id ?? 'case'),
    authorization: (c, built) =>
      text(c.authorization ?? 'Bearer $token', c.key ?? 'RS256')
        .split('$token')
        .join(built),
    attackerKey,
    issuerKey,
  };
}
