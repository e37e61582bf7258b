// The binding check of one verified token (RFC 8705 section 3): a certificate-bound token only with its certificate.
import { timingSafeEqual } from 'node:crypto';
import type { AccessToken } from '../../access-token.js';
import { InvalidTokenError } from '../../errors.js';
import type { RequestLike } from '../../extract-bearer-token.js';
import type { ClientCertificate, ResolvedMtlsOptions } from '../../mtls.js';
import { readCertificateHeader, readGivenCertificate, readSocketCertificate, type CertificateReading } from './read-client-certificate.js';

/** Where the certificate of this call is: a request (socket or trusted header), or one given to `verify()`. */
export type CertificateSource = { readonly request: RequestLike } | { readonly certificate: ClientCertificate | undefined };

/**
 * Checks a verified token sent without a DPoP proof: a bearer token passes; a DPoP-bound one is refused
 * (RFC 9449 section 7.2); a certificate-bound one passes only when the certificate of `source` has the
 * thumbprint the token names (RFC 8705 section 3.1). Synchronous, so a cached token stays on the fast path.
 */
export function createBindingCheck(mtls: ResolvedMtlsOptions | undefined, realm: string): (accessToken: AccessToken, source: CertificateSource) => AccessToken {
  const refuse = (reason: 'sender_constrained' | 'mtls_missing_certificate' | 'mtls_malformed_certificate' | 'mtls_certificate_mismatch', description: string) =>
    new InvalidTokenError(description, { reason, realm });
  const header = mtls?.certificateHeader;

  const read = (source: CertificateSource): CertificateReading => {
    if ('certificate' in source) return readGivenCertificate(source.certificate);
    const { request } = source;
    // Exactly one place, chosen at startup: behind a TLS-terminating proxy the socket's certificate (if
    // any) is the proxy's own; without a configured proxy the header is anyone's to write.
    return header ? readCertificateHeader(request.headers[header.name], header, request.rawHeaders) : readSocketCertificate(request.socket);
  };

  return (accessToken, source) => {
    const binding = accessToken.binding;
    if (binding.kind === 'none') return accessToken;
    if (binding.kind !== 'mtls' || !mtls) throw refuse('sender_constrained', 'sender-constrained token used as a bearer token');
    const thumbprint = read(source);
    if (thumbprint === 'missing') throw refuse('mtls_missing_certificate', 'certificate-bound token requires the client certificate it is bound to');
    if (thumbprint === 'malformed') throw refuse('mtls_malformed_certificate', 'client certificate could not be read');
    const expected = Buffer.from(binding.x5tS256, 'base64url');
    // Constant time: the thumbprint is public, but a comparison that stops early tells where the first difference is.
    if (expected.length !== thumbprint.length || !timingSafeEqual(expected, thumbprint)) {
      throw refuse('mtls_certificate_mismatch', 'client certificate does not match the token binding');
    }
    return accessToken;
  };
}
