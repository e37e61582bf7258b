// Once-per-key costs, for the record: jose importJWK vs node createPublicKey({ format: 'jwk' }) vs KeyObject.from.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { importJWK } from 'jose';

import { median } from './signature-stats.js';

const perCall = async (count, fn) => {
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn();
  return ((performance.now() - start) * 1000) / count;
};

/**
 * Microseconds per import of `jwk` (median of `rounds`), and whether `KeyObject.from(cryptoKey)` turns
 * jose's CryptoKey into a KeyObject that verifies `token`'s signature (`check(keyObject, token)`).
 * Each call gets a fresh copy of the JWK so no identity-keyed cache can answer.
 */
export async function keyImportCost(alg, jwk, { count, rounds, token, check }) {
  const times = { importJWK: [], createPublicKey: [], 'KeyObject.from': [] };
  const cryptoKey = await importJWK({ ...jwk }, alg);
  for (let round = 0; round < rounds; round++) {
    times.importJWK.push(await perCall(count, () => importJWK({ ...jwk }, alg)));
    times.createPublicKey.push(await perCall(count, () => crypto.createPublicKey({ key: { ...jwk }, format: 'jwk' })));
    times['KeyObject.from'].push(await perCall(count, () => crypto.KeyObject.from(cryptoKey)));
  }
  let converts;
  try {
    const keyObject = crypto.KeyObject.from(cryptoKey);
    converts = check(keyObject, token) ? `yes (${keyObject.asymmetricKeyType}, verifies)` : 'converts, but does not verify';
  } catch (error) {
    converts = `no: ${error?.code ?? error?.name ?? 'error'}`;
  }
  return { alg, ...Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)])), converts };
}
