// A storage adapter for oidc-provider that keeps its models in one Map per provider: what the interop test
// needs, without the provider's built-in adapter (a process-wide store that warns on every start).
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models by `<model name>:<id>`, for one provider instance. */
export type AdapterStore = Map<string, AdapterPayload>;

/**
 * Returns an adapter factory (oidc-provider's `adapter` option) backed by `store`. Expiry is not
 * enforced: each store lives only as long as one provider in one test file.
 * @example new Provider(issuer, { adapter: memoryAdapter(new Map()) });
 */
export function memoryAdapter(store: AdapterStore): (name: string) => Adapter {
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    const find = (predicate: (payload: AdapterPayload) => boolean) => {
      for (const [storeKey, payload] of store) if (storeKey.startsWith(`${name}:`) && predicate(payload)) return payload;
      return undefined;
    };
    return {
      async upsert(id, payload) {
        store.set(key(id), payload);
      },
      async find(id) {
        return store.get(key(id));
      },
      async findByUid(uid) {
        return find((payload) => payload.uid === uid);
      },
      async findByUserCode(userCode) {
        return find((payload) => payload.userCode === userCode);
      },
      async consume(id) {
        const payload = store.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [storeKey, payload] of store) if (payload.grantId === grantId) store.delete(storeKey);
      },
    };
  };
}
