// DPoP (RFC 9449) options and the types of a token's binding: what users configure and what they read.
import type { Algorithm } from './algorithms.js';
import type { Duration } from './options.js';
import type { ReplayStore } from './replay-store.js';

/**
 * Server-issued DPoP nonces (RFC 9449 section 9), stateless: each nonce is its issue time, encrypted and
 * authenticated (AES-256-GCM) under a key derived from a secret, so every instance that has the same
 * secrets accepts the nonces any other issued.
 * @example nonce: { secret: [process.env.DPOP_NONCE_SECRET!, process.env.DPOP_NONCE_SECRET_OLD!], lifetime: '5m' }
 * @see RFC 9449 section 9
 */
export interface DpopNonceOptions {
  /**
   * The secret, or several for rotation: the first issues nonces, all of them accept. Each at least 32
   * characters (use `openssl rand -base64 32`); never the same as another secret of yours.
   */
  secret: string | readonly string[];
  /** How long a nonce is accepted after it was issued. Default `'5m'`; from 10 seconds to 1 hour. */
  lifetime?: Duration;
}

/**
 * The `dpop` option of `createVerifier`: how DPoP-bound access tokens (RFC 9449) are checked.
 *
 * Without it, DPoP is accepted when a client presents it, with the defaults below, and a token bound to
 * a key (`cnf.jkt`) is only valid with a proof of that key; challenges then name DPoP only for DPoP
 * requests. With it (`{}` or `true` for the defaults), every challenge names both schemes. `false` turns
 * DPoP off: the `DPoP` scheme is answered like any other scheme, and every key-bound token is refused.
 * @example dpop: { required: true, nonce: { secret: process.env.DPOP_NONCE_SECRET! }, replay: createRedisReplayStore({ client }) }
 * @see RFC 9449
 */
export interface DpopOptions {
  /** `true`: bearer tokens are refused; only DPoP-bound tokens with their proof pass. Default `false`. */
  required?: boolean;
  /**
   * Proof signature algorithms accepted (asymmetric only; `none` and `HS*` are startup errors).
   * Default ES256, ES384, ES512, PS256, RS256, EdDSA, Ed25519.
   */
  algorithms?: readonly Algorithm[];
  /**
   * How far a proof's `iat` may lie from now, either way (`iat` within ±proofMaxAge). Default `'300s'`
   * (the MCP profile's value); from 1 second to 1 hour. Replayed proofs are remembered this long.
   */
  proofMaxAge?: Duration;
  /** Server nonces (RFC 9449 section 9): `{ secret }` requires them. Default `false` (no nonce). */
  nonce?: DpopNonceOptions | false;
  /**
   * Where each proof's `jti` is claimed, so a proof is accepted once. Default: a bounded in-memory store
   * per verifier (right for one instance); share one across instances (`createRedisReplayStore` from
   * `@tollgate/redis`). `false`: no replay check (a captured proof then works again until it is
   * `proofMaxAge` old). A store that fails or takes over a second makes the request a 503.
   */
  replay?: ReplayStore | false;
  /**
   * The API's public base URL as clients call it (`https://api.example.com`, or with a path prefix such
   * as `https://example.com/api`): the proof's `htu` must be this followed by the request's path. Set it
   * behind a proxy or load balancer; it overrides the framework's view of the host and scheme (and any
   * forwarded header). Without it, the URL is the one the framework reports (see docs/dpop.md).
   */
  publicUrl?: string;
}

/** The `dpop` options after validation, durations in seconds. Frozen. */
export interface ResolvedDpopOptions {
  /** Whether the `dpop` option was given: challenges then always name DPoP. */
  readonly configured: boolean;
  /** Whether bearer tokens are refused. */
  readonly required: boolean;
  /** Proof signature algorithms accepted. */
  readonly algorithms: readonly Algorithm[];
  /** How far a proof's `iat` may lie from now, in seconds. */
  readonly proofMaxAge: number;
  /** The nonce secrets (the first issues) and lifetime in seconds; `undefined`: no nonces. */
  readonly nonce:
    | {
        /** The secrets: the first issues nonces, all accept them. */
        readonly secrets: readonly string[];
        /** How long a nonce is accepted after it was issued, in seconds. */
        readonly lifetime: number;
      }
    | undefined;
  /** The replay store; `undefined`: no replay check. */
  readonly replay: ReplayStore | undefined;
  /** The public base URL, without a trailing slash; `undefined`: the framework's view of the request URL. */
  readonly publicUrl: string | undefined;
}

/**
 * How a verified access token is bound to its client: `none` for a bearer token; `dpop` for a token
 * bound by `cnf.jkt` (RFC 9449 section 6) to the key whose proof came with this request (`jkt` is its
 * RFC 7638 SHA-256 thumbprint); `mtls` for a token bound by `cnf["x5t#S256"]` (RFC 8705 section 3.1) to
 * the client certificate of this request (`x5tS256` is the base64url SHA-256 of its DER encoding).
 * @example if (req.auth.binding.kind === 'mtls') audit.log('client certificate', req.auth.binding.x5tS256);
 * @see RFC 9449 section 6, RFC 7638, RFC 8705 section 3.1
 */
export type TokenBinding =
  | {
      /** A bearer token: no `cnf`. */
      readonly kind: 'none';
    }
  | {
      /** A DPoP-bound token whose proof came with this request. */
      readonly kind: 'dpop';
      /** The RFC 7638 SHA-256 thumbprint of the client's key (the token's `cnf.jkt`). */
      readonly jkt: string;
    }
  | {
      /** A certificate-bound token whose certificate is the client certificate of this request. */
      readonly kind: 'mtls';
      /** The certificate's SHA-256 thumbprint, base64url (the token's `cnf["x5t#S256"]`). */
      readonly x5tS256: string;
    };
