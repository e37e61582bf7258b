// Reads the client certificate of a request (TLS socket or trusted proxy header) and returns its SHA-256 thumbprint.
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateHeaderOptions, ClientCertificate } from '../../mtls.js';
import { parseXfcc } from './parse-xfcc.js';

/** Longest certificate header accepted, in characters: a URL-encoded PEM of a 4096-bit RSA certificate is about 3 KiB. */
export const MAX_CERTIFICATE_HEADER_LENGTH = 16384;
const PEM = /^\s*-----BEGIN CERTIFICATE-----\r?\n?([A-Za-z0-9+/=\r\n\t ]+)-----END CERTIFICATE-----\s*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;
const HEX_SHA256 = /^[0-9A-Fa-f]{64}$/;

/**
 * What was found where the certificate should be: its SHA-256 thumbprint (32 bytes), `'missing'` when there
 * is none, `'malformed'` when there is something that is not exactly one certificate.
 */
export type CertificateReading = Buffer | 'missing' | 'malformed';

/** The length of the DER element at `offset` (tag, length, contents), or -1 when its length octets are not DER. */
function derElementLength(der: Uint8Array, offset: number): number {
  const first = der[offset + 1];
  if (first === undefined) return -1;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  // A certificate header is bounded far below 2^32 bytes; DER forbids the indefinite form (0x80) and leading zeros.
  if (octets === 0 || octets > 4 || der[offset + 2] === 0) return -1;
  let length = 0;
  for (let i = 0; i < octets; i += 1) {
    const octet = der[offset + 2 + i];
    if (octet === undefined) return -1;
    length = length * 256 + octet;
  }
  return length < 0x80 ? -1 : 2 + octets + length;
}

/**
 * The SHA-256 thumbprint of DER bytes that have a certificate's outer shape: a SEQUENCE spanning exactly the
 * bytes, whose first element is a SEQUENCE (the TBSCertificate). Not parsed further (Node's parser costs
 * hundreds of microseconds): the thumbprint must equal the one the issuer signed, which no other bytes have.
 */
function thumbprintOfDer(der: Uint8Array): CertificateReading {
  if (der.length < 4 || der[0] !== 0x30 || derElementLength(der, 0) !== der.length) return 'malformed';
  const start = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  if (der[start] !== 0x30 || derElementLength(der, start) < 0 || start + derElementLength(der, start) > der.length) return 'malformed';
  return createHash('sha256').update(der).digest();
}

function thumbprintOf(certificate: X509Certificate): Buffer {
  return createHash('sha256').update(certificate.raw).digest();
}

/** One PEM CERTIFICATE block, and nothing else, as a thumbprint. */
function thumbprintOfPem(pem: string): CertificateReading {
  const body = PEM.exec(pem)?.[1];
  if (body === undefined) return 'malformed';
  const base64 = body.replace(/[\r\n\t ]/g, '');
  if (!BASE64.test(base64)) return 'malformed';
  return thumbprintOfDer(Buffer.from(base64, 'base64'));
}

function thumbprintOfEscapedPem(escaped: string): CertificateReading {
  let pem: string;
  try {
    pem = decodeURIComponent(escaped);
  } catch {
    return 'malformed';
  }
  return thumbprintOfPem(pem);
}

/**
 * Envoy's XFCC: exactly one element (several name a chain of proxies, and which one is the client's is
 * the proxy's configuration, not something to guess), its `Cert` (URL-encoded PEM) or else its `Hash`
 * (hex SHA-256 of the DER certificate); both given must agree.
 */
function thumbprintOfXfcc(value: string): CertificateReading {
  const elements = parseXfcc(value);
  if (elements === undefined || elements.length > 1) return 'malformed';
  const element = elements[0];
  if (element === undefined) return 'missing';
  const cert = element.get('cert');
  const hash = element.get('hash');
  if (hash !== undefined && !HEX_SHA256.test(hash)) return 'malformed';
  const fromHash = hash === undefined ? undefined : Buffer.from(hash, 'hex');
  if (cert === undefined) return fromHash ?? 'missing';
  const fromCert = thumbprintOfEscapedPem(cert);
  if (typeof fromCert === 'string') return fromCert;
  return fromHash === undefined || fromHash.equals(fromCert) ? fromCert : 'malformed';
}

/** The certificate in a trusted proxy's header value, as configured. */
export function readCertificateHeader(value: string | readonly string[] | undefined, header: Readonly<CertificateHeaderOptions>, rawHeaders?: readonly string[]): CertificateReading {
  if (value === undefined) return 'missing';
  // A repeated header (an array, or Node's ', '-joined copy) names no single certificate.
  if (typeof value !== 'string' || (rawHeaders && countHeaders(rawHeaders, header.name) > 1)) return 'malformed';
  if (value.length > MAX_CERTIFICATE_HEADER_LENGTH) return 'malformed';
  const text = value.trim();
  if (text.length === 0) return 'missing';
  switch (header.format) {
    case 'pem-urlencoded':
      return thumbprintOfEscapedPem(text);
    case 'xfcc':
      return thumbprintOfXfcc(text);
    case 'base64-der':
      return BASE64.test(text) ? thumbprintOfDer(Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')) : 'malformed';
  }
}

function countHeaders(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.length === name.length && rawHeaders[i]!.toLowerCase() === name) count += 1;
  return count;
}

interface PeerSocket {
  getPeerX509Certificate?: () => X509Certificate | undefined;
  getPeerCertificate?: (detailed?: boolean) => { raw?: unknown } | null | undefined;
}

/**
 * The client certificate of a TLS connection (Node's `tls.TLSSocket`), whether or not it chains to a CA the
 * server trusts: the TLS handshake proved the client holds its private key, and RFC 8705 section 3 binds
 * the token to that certificate, self-signed ones included (section 2.2). A plain TCP socket has none.
 */
export function readSocketCertificate(socket: unknown): CertificateReading {
  if (typeof socket !== 'object' || socket === null) return 'missing';
  const peer = socket as PeerSocket;
  try {
    if (typeof peer.getPeerX509Certificate === 'function') {
      const certificate = peer.getPeerX509Certificate();
      return certificate instanceof X509Certificate ? thumbprintOf(certificate) : 'missing';
    }
    if (typeof peer.getPeerCertificate === 'function') {
      const raw = peer.getPeerCertificate(false)?.raw;
      return raw instanceof Uint8Array && raw.length > 0 ? thumbprintOfDer(raw) : 'missing';
    }
  } catch {
    // A socket that is closing (or not what it claims) shows no certificate: refused, never a 500.
    return 'missing';
  }
  return 'missing';
}

/** A certificate handed to `verify()`: an X509Certificate, DER bytes, or one PEM block. */
export function readGivenCertificate(certificate: ClientCertificate | undefined): CertificateReading {
  if (certificate === undefined) return 'missing';
  if (certificate instanceof X509Certificate) return thumbprintOf(certificate);
  if (certificate instanceof Uint8Array) return thumbprintOfDer(certificate);
  if (typeof certificate === 'string') return certificate.length > MAX_CERTIFICATE_HEADER_LENGTH ? 'malformed' : thumbprintOfPem(certificate);
  return 'malformed';
}
