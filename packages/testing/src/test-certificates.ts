// mTLS for tests (RFC 8705): a CA with server and client certificates made at test time, and certificate thumbprints.
import { createHash, X509Certificate, type webcrypto } from 'node:crypto';

/** One certificate and its private key, in every shape a test needs. */
export interface TestCertificate {
  /** The certificate, PEM. */
  readonly pem: string;
  /** The certificate, DER. */
  readonly der: Buffer;
  /** The certificate, parsed by Node. */
  readonly certificate: X509Certificate;
  /** Its private key, PKCS#8 PEM (for `tls` and `https` options). */
  readonly privateKeyPem: string;
  /** Its SHA-256 thumbprint, base64url: a bound token's `cnf["x5t#S256"]`. */
  readonly thumbprint: string;
  /** The `cnf` claim of a token bound to this certificate: `{ 'x5t#S256': thumbprint }`. */
  readonly cnf: {
    /** The certificate's thumbprint, as {@link TestCertificate.thumbprint}. */
    readonly 'x5t#S256': string;
  };
}

/** Options of {@link TestCertificates.createClient}. */
export interface TestClientCertificateOptions {
  /** The subject's common name. Default `'client'`. */
  commonName?: string;
  /** `true`: signed by its own key, not the CA (RFC 8705 section 2.2, `self_signed_tls_client_auth`). */
  selfSigned?: boolean;
}

/** Options for `https.createServer` (or `tls.createServer`) from {@link TestCertificates.serverOptions}. */
export interface TestServerTlsOptions {
  /** The server's private key, PEM. */
  key: string;
  /** The server's certificate, PEM. */
  cert: string;
  /** The test CA, trusted for client certificates. */
  ca: string[];
  /** Ask every client for a certificate. */
  requestCert: true;
  /** Let a client without a (trusted) certificate connect: the app decides per token. */
  rejectUnauthorized: false;
}

/** Options for `https.request` (or `tls.connect`) from {@link TestCertificates.clientOptions}. */
export interface TestClientTlsOptions {
  /** The test CA, trusted for the server's certificate. */
  ca: string[];
  /** The client certificate's private key, PEM; absent when no certificate is presented. */
  key?: string;
  /** The client certificate, PEM; absent when no certificate is presented. */
  cert?: string;
}

/** A test CA with one server certificate (for 127.0.0.1 and localhost) and one client certificate. */
export interface TestCertificates {
  /** The CA that issued the server and client certificates. */
  readonly ca: TestCertificate;
  /** The server's certificate, for `localhost` and `127.0.0.1`. */
  readonly server: TestCertificate;
  /** A client certificate issued by the CA. */
  readonly client: TestCertificate;
  /** Issues another client certificate (by the CA, or self-signed). */
  createClient(options?: TestClientCertificateOptions): Promise<TestCertificate>;
  /**
   * Options for `https.createServer` (or `tls`): the server certificate, the CA, and `requestCert: true`
   * with `rejectUnauthorized: false`, so a client without a certificate reaches the app (which then refuses
   * certificate-bound tokens itself).
   */
  serverOptions(): TestServerTlsOptions;
  /** Options for `https.request` (or `tls.connect`) presenting `client` (none: no client certificate), trusting the CA. */
  clientOptions(client?: TestCertificate): TestClientTlsOptions;
}

/**
 * The SHA-256 thumbprint of a certificate, base64url: the `cnf["x5t#S256"]` of a token bound to it.
 * @param certificate - a Node `X509Certificate`, its DER bytes, or its PEM
 * @example const token = await issuer.sign({ cnf: { 'x5t#S256': certificateThumbprint(clientPem) } });
 * @see RFC 8705 section 3.1
 */
export function certificateThumbprint(certificate: X509Certificate | Uint8Array | string): string {
  const parsed = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  return createHash('sha256').update(parsed.raw).digest('base64url');
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Makes a CA, a server certificate (for `localhost` and `127.0.0.1`) and a client certificate, all ECDSA
 * P-256, valid from a day ago for a year. Pure JavaScript on WebCrypto (@peculiar/x509): no `openssl`
 * needed. Loads the `reflect-metadata` polyfill, which @peculiar/x509 requires, on first call.
 * @example
 * const certs = await createTestCertificates();
 * const server = https.createServer(certs.serverOptions(), app);
 * const token = await issuer.sign({ cnf: certs.client.cnf });
 * https.get({ host: '127.0.0.1', port, path: '/me', headers: { authorization: `Bearer ${token}` }, ...certs.clientOptions(certs.client) });
 * @see RFC 8705 section 3
 */
export async function createTestCertificates(): Promise<TestCertificates> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const { subtle } = globalThis.crypto;
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 365 * DAY);
  let serial = 1;

  async function toTestCertificate(cert: InstanceType<typeof x509.X509Certificate>, privateKey: webcrypto.CryptoKey): Promise<TestCertificate> {
    const der = Buffer.from(cert.rawData);
    const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', privateKey)).toString('base64');
    const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
    const certificate = new X509Certificate(der);
    const thumbprint = certificateThumbprint(certificate);
    return Object.freeze({ pem: certificate.toString(), der, certificate, privateKeyPem, thumbprint, cnf: Object.freeze({ 'x5t#S256': thumbprint }) });
  }

  const caKeys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=tollgate test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const ca = await toTestCertificate(caCert, caKeys.privateKey);

  async function issue(commonName: string, usage: 'server' | 'client', selfSigned = false): Promise<TestCertificate> {
    const keys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    serial += 1;
    const extensions: InstanceType<typeof x509.Extension>[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    ];
    if (usage === 'server') {
      extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }]));
    }
    const cert = selfSigned
      ? await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: serial.toString(16).padStart(2, '0'), name: `CN=${commonName}`, notBefore, notAfter, keys, signingAlgorithm: ALGORITHM, extensions })
      : await x509.X509CertificateGenerator.create({
          serialNumber: serial.toString(16).padStart(2, '0'),
          subject: `CN=${commonName}`,
          issuer: caCert.subject,
          notBefore,
          notAfter,
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          signingAlgorithm: ALGORITHM,
          extensions,
        });
    return toTestCertificate(cert, keys.privateKey);
  }

  const server = await issue('localhost', 'server');
  const client = await issue('client', 'client');
  return Object.freeze({
    ca,
    server,
    client,
    createClient: (options: TestClientCertificateOptions = {}) => issue(options.commonName ?? 'client', 'client', options.selfSigned ?? false),
    serverOptions: () => ({ key: server.privateKeyPem, cert: server.pem, ca: [ca.pem], requestCert: true as const, rejectUnauthorized: false as const }),
    clientOptions: (certificate?: TestCertificate) => (certificate ? { ca: [ca.pem], key: certificate.privateKeyPem, cert: certificate.pem } : { ca: [ca.pem] }),
  });
}
