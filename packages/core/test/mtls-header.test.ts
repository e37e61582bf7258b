// The trusted proxy header readers (lib/mtls) under hostile input: random text and bytes never throw, never
// take long, and never name a certificate other than by its exact bytes; the XFCC grammar's edge cases.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createTestCertificates, type TestCertificates } from '@tollgate/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXfcc } from '../src/lib/mtls/parse-xfcc.js';
import { readCertificateHeader, readGivenCertificate, type CertificateReading } from '../src/lib/mtls/read-client-certificate.js';
import type { CertificateHeaderFormat } from '../src/index.js';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await createTestCertificates();
});

const FORMATS: CertificateHeaderFormat[] = ['pem-urlencoded', 'xfcc', 'base64-der'];
const read = (value: string, format: CertificateHeaderFormat): CertificateReading => readCertificateHeader(value, { name: 'x-cert', format });
const isReading = (reading: CertificateReading) => reading === 'missing' || reading === 'malformed' || (Buffer.isBuffer(reading) && reading.length === 32);

describe('readCertificateHeader under hostile input', () => {
  it.each(FORMATS)('%s: any string reads as missing, malformed or a 32-byte thumbprint, without throwing', (format) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('%', '%E0%A4%A', '"', 'Cert="', ',', ';', '=', '-----BEGIN CERTIFICATE-----')), (value) => {
        expect(isReading(read(value, format))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a certificate with any one byte changed either reads as malformed or as another thumbprint', () => {
    const der = certs.client.der;
    const right = Buffer.from(certs.client.thumbprint, 'base64url');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: der.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, delta) => {
        const changed = Buffer.from(der);
        changed[index] = (changed[index]! + delta) % 256;
        const reading = read(changed.toString('base64'), 'base64-der');
        expect(reading === 'malformed' || (Buffer.isBuffer(reading) && !reading.equals(right))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a large hostile value in linear time', () => {
    const started = performance.now();
    for (const format of FORMATS) {
      read('"'.repeat(16000), format);
      // Review of issue 12 (b), F2: quotes inside an unquoted value once cost a trim() of the whole value each.
      read(`Hash=00;DNS=x${'"'.repeat(16000)}`, format);
      read('a=;'.repeat(5000), format);
      read('%'.repeat(16000), format);
      read(`-----BEGIN CERTIFICATE-----${'A'.repeat(15000)}`, format);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('the thumbprint of a good value is the SHA-256 of the DER, whatever the format', () => {
    const expected = createHash('sha256').update(certs.client.der).digest();
    const hex = expected.toString('hex');
    expect(read(encodeURIComponent(certs.client.pem), 'pem-urlencoded')).toEqual(expected);
    expect(read(`Hash=${hex};Cert="${encodeURIComponent(certs.client.pem)}"`, 'xfcc')).toEqual(expected);
    expect(read(certs.client.der.toString('base64'), 'base64-der')).toEqual(expected);
    expect(readGivenCertificate(certs.client.pem)).toEqual(expected);
  });
});

describe('parseXfcc', () => {
  it('splits elements and pairs, keeps quoted separators and escaped quotes, lower-cases keys', () => {
    expect(parseXfcc('By=a;Hash=b,By=c')?.map((element) => Object.fromEntries(element))).toEqual([{ by: 'a', hash: 'b' }, { by: 'c' }]);
    expect(parseXfcc('Subject="CN=a\\"b,c;d=e"; URI=x')?.map((element) => Object.fromEntries(element))).toEqual([{ subject: 'CN=a"b,c;d=e', uri: 'x' }]);
    expect(parseXfcc('a=1;;b=2')?.map((element) => Object.fromEntries(element))).toEqual([{ a: '1', b: '2' }]);
  });

  // Review of issue 12 (b), F3: Envoy writes one DNS= or URI= pair per SAN; a certificate with two was refused.
  it('takes repeated SAN keys (the first is kept), as Envoy writes one pair per SAN', () => {
    expect(parseXfcc('By=spiffe://a;Hash=ab;URI=spiffe://x;URI=spiffe://y;DNS=lyft.com;DNS=www.lyft.com')?.map((element) => Object.fromEntries(element))).toEqual([
      { by: 'spiffe://a', hash: 'ab', uri: 'spiffe://x', dns: 'lyft.com' },
    ]);
    expect(parseXfcc(`DNS=x${'"'.repeat(20)};Hash=ab`)?.map((element) => Object.fromEntries(element))).toEqual([{ dns: `x${'"'.repeat(20)}`, hash: 'ab' }]);
  });

  it.each([
    ['an unterminated quote', 'Cert="abc'],
    ['text after a closing quote', 'Cert="abc"x'],
    ['a pair without =', 'Hash'],
    ['an empty key', '=abc'],
    ['a key twice in one element', 'Hash=a;hash=b'],
    ['a second Hash smuggled in after a SAN', 'Hash=a;DNS=x;Hash=b'],
    ['By twice', 'By=a;By=b'],
    ['Cert twice', 'Cert=a;Cert=b'],
    ['an empty element', 'Hash=a,,Hash=b'],
  ])('refuses %s', (_name, value) => {
    expect(parseXfcc(value)).toBeUndefined();
  });
});
