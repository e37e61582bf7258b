// @tollgate/core: verify OAuth 2.0 JWT access tokens against a remote JWKS, with RFC 6750 errors.
export { DECISION_CHANNEL, INTROSPECTION_CHANNEL, JWKS_CHANNEL } from './audit-events.js';
export type { AcceptedDecision, AnonymousDecision, DecisionEvent, DecisionSubject, IntrospectionEvent, IntrospectionProblem, JwksEvent, JwksProblem, RejectedDecision, StepUpDemand } from './audit-events.js';
export { validateClaimRules } from './claim-rules.js';
export type {
  ClaimMember,
  ClaimRule,
  ClaimRuleKind,
  ClaimRuleRef,
  ClaimRules,
  ClaimRuleSet,
  ClaimValidator,
  ClaimValidatorContext,
  ClaimValidatorFailure,
  ClaimValue,
  ResolvedClaimRule,
  ResolvedClaimRules,
  ResolvedClaimValidator,
} from './claim-rules.js';
export { createVerifier } from './create-verifier.js';
export { createMetadataResponder, metadataResponderFor } from './serve-resource-metadata.js';
export type { MetadataResponder, MetadataResponse } from './serve-resource-metadata.js';
export type { ResolvedResourceMetadata, ResourceMetadataDocument, ResourceMetadataOptions, ScopeGrantFunction, ScopeHierarchy, ScopeMatcher } from './resource-metadata.js';
export type { AuthenticateOptions, Verifier } from './create-verifier.js';
export { verifyToken } from './verify-token.js';
export { extractBearerToken } from './extract-bearer-token.js';
export type { ExtractOptions, RequestLike } from './extract-bearer-token.js';
export { assertScopes, hasScopes, readScopes, validateScopes } from './has-scopes.js';
export type { GrantedScopes, ScopeMode, ScopeOptions } from './has-scopes.js';
export {
  ClaimsUnavailableError,
  InsufficientClaimsError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  IntrospectionUnavailableError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  isTollgateError,
  JwksUnavailableError,
  MissingTokenError,
  ReplayStoreUnavailableError,
  TemporarilyUnavailableError,
  TollgateConfigError,
  TollgateError,
  UseDpopNonceError,
} from './errors.js';
export type { DpopChallenge, ExtraChallengeParams, MissingTokenReason, TollgateErrorCode, TollgateErrorOptions, TollgateErrorReason } from './errors.js';
export { resolveOptions } from './options.js';
export { parseSeconds } from './lib/duration.js';
export type { Duration, IssuerFunction, IssuerFunctionContext, IssuerPattern, JwksOptions, ResolvedKey, ResolvedOptions, StaticKeys, VerifierBaseOptions, VerifierOptions } from './options.js';
export type { AccessToken, AccessTokenClaims, JwtAccessTokenClaims, VerificationMethod } from './access-token.js';
export type { DpopNonceOptions, DpopOptions, ResolvedDpopOptions, TokenBinding } from './dpop.js';
export type { CertificateHeaderFormat, CertificateHeaderOptions, ClientCertificate, MtlsOptions, ResolvedMtlsOptions, VerifyOptions } from './mtls.js';
export { createMemoryReplayStore, ReplayStoreFullError } from './replay-store.js';
export type { MemoryReplayStoreOptions, ReplayStore } from './replay-store.js';
export { createMemoryIntrospectionCache } from './introspection.js';
export type {
  ClientAssertionAlgorithm,
  IntrospectionCache,
  IntrospectionCacheEntry,
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionCredentials,
  IntrospectionOptions,
  IntrospectionPrivateKey,
  ResolvedIntrospectionOptions,
} from './introspection.js';
export { SUPPORTED_ALGORITHMS } from './algorithms.js';
export type { Algorithm } from './algorithms.js';
export { createGuard, DefaultConfiguration, isVerifier, toVerifier, validateStepUp } from './guard.js';
export type { Decision, Guard, GuardOptions, GuardRules, GuardState, StepUpRequirement } from './guard.js';
export { renderJson, renderProblemJson, toErrorResponse, toUnhandledResponse } from './error-response.js';
export type { ErrorRenderer, ErrorResponse, RenderedBody } from './error-response.js';
export { bindRequests, bindRequestsNow, configureDefaults, createMethodDecorator, decidedToken, declareScopes, defineMiddleware, defineScopeDecorators, isGuardOptionKey, queryIfPresent, resolveAdapterOptions, scopeGuardsBySource } from './adapter-support.js';
export { requestUrlFrom } from './lib/request-url.js';
export type { AdapterOptions, GuardSource, HandlerMethod, MiddlewareFactories, RequestAccess, RunGuard, RunGuardNow, ScopeDecorator } from './adapter-support.js';
// Shared with sibling packages (@tollgate/client): a capped, deadline-raced body reader and the signing-key check.
export { abortOf, BodyReadError, readCappedBody } from './lib/read-capped-body.js';
export type { BodyProblem } from './lib/read-capped-body.js';
export { importPrivateKey } from './lib/private-key.js';
