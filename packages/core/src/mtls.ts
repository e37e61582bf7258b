// mTLS certificate-bound tokens (RFC 8705 section 3): what users configure and the certificates they pass.
import type { X509Certificate } from 'node:crypto';

/**
 * How a trusted TLS-terminating proxy forwards the client certificate:
 * - `'pem-urlencoded'`: the URL-encoded PEM certificate, as nginx sends `$ssl_client_escaped_cert`
 *   (also AWS ALB's `X-Amzn-Mtls-Clientcert`);
 * - `'xfcc'`: Envoy's `X-Forwarded-Client-Cert`, one element whose `Cert="..."` (URL-encoded PEM) or
 *   `Hash=...` (hex SHA-256 of the DER certificate) names the certificate;
 * - `'base64-der'`: the DER certificate in base64 (Azure App Service's `X-ARR-ClientCert`).
 * @example format: 'pem-urlencoded'
 * @see RFC 8705 section 3
 */
export type CertificateHeaderFormat = 'pem-urlencoded' | 'xfcc' | 'base64-der';

/**
 * The header a trusted TLS-terminating proxy sets to the client certificate it saw. Configure it only when
 * every request reaches the app through that proxy and the proxy overwrites (never passes on) the header a
 * client sent: anyone who can reach the app directly can write any certificate into it.
 * @example certificateHeader: { name: 'x-client-cert', format: 'pem-urlencoded' }
 * @see RFC 8705 section 3
 */
export interface CertificateHeaderOptions {
  /** The header's name, any case (`'x-client-cert'`, `'x-forwarded-client-cert'`). */
  name: string;
  /** How the certificate is written in it. */
  format: CertificateHeaderFormat;
}

/**
 * The `mtls` option of `createVerifier`: where the client certificate of a certificate-bound token
 * (`cnf["x5t#S256"]`) comes from. Without it, the certificate is the TLS client certificate of the
 * connection (the app terminates TLS with `requestCert: true`); no header is ever read. With
 * `certificateHeader`, the certificate is read from that header only (the proxy terminates TLS), never
 * from the socket. `false` refuses every certificate-bound token.
 * @example mtls: { certificateHeader: { name: 'x-forwarded-client-cert', format: 'xfcc' } }
 * @see RFC 8705 section 3
 */
export interface MtlsOptions {
  /** Read the certificate from this header, set by a trusted TLS-terminating proxy. Default: from the TLS socket. */
  certificateHeader?: CertificateHeaderOptions;
}

/** The `mtls` options after validation. Frozen. */
export interface ResolvedMtlsOptions {
  /** The proxy header the certificate is read from (its name lower-cased); `undefined`: the TLS socket. */
  readonly certificateHeader: Readonly<CertificateHeaderOptions> | undefined;
}

/**
 * A client certificate given to `verify()` or `verifyToken()`, for a certificate-bound token checked
 * outside an HTTP request: a Node `X509Certificate`, the DER bytes, or one PEM `CERTIFICATE` block.
 * @example await verifier.verify(token, { certificate: tlsSocket.getPeerX509Certificate() });
 * @see RFC 8705 section 3
 */
export type ClientCertificate = X509Certificate | Uint8Array | string;

/**
 * Per-call options of `verify()` and `verifyToken()`.
 * @example await verifyToken(token, { issuer, audience }, { certificate: peerCertificatePem });
 */
export interface VerifyOptions {
  /**
   * The client certificate of the connection the token came on. A certificate-bound token (RFC 8705
   * section 3.1, `cnf["x5t#S256"]`) is valid only with the certificate it names; without this option
   * it is refused. A bearer token ignores it.
   */
  certificate?: ClientCertificate | undefined;
}
