// What the cross-adapter suites (and the packages' framework-specific tests) do around their tests: one describe
// per adapter and framework major, apps started from a fresh adapter module, every app closed after use.
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { byName } from '../support/frameworks.js';
import type { AdapterDriver, AdapterHandle, AdapterModule, AppSpec, RunningApp, Target } from './driver.js';

/** `describe(<adapter>) > describe(<framework major>)` around `suite`, for every target of every driver given. */
export function describeTargets(drivers: readonly AdapterDriver[], suite: (driver: AdapterDriver, target: Target) => void): void {
  describe.each(byName(drivers))('%s', (_adapter, driver) => {
    describe.each(byName(driver.targets))('%s', (_framework, target) => suite(driver, target));
  });
}

/** Returns a starter of apps; every app it started is closed after each test of the enclosing suite. */
export function useApps(): (handle: AdapterHandle, spec: AppSpec) => Promise<RunningApp> {
  const open: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });
  return async (handle, spec) => {
    const app = await handle.app(spec);
    open.push(app);
    return app;
  };
}

/** An app shared by the tests of the enclosing suite, with the fresh adapter module it was built with. */
export interface SuiteApp {
  readonly app: RunningApp;
  readonly handle: AdapterHandle;
}

/** Builds the app of `spec` from a fresh copy of `target`'s adapter before the enclosing suite, and closes it after. */
export function useSuiteApp(target: Target, spec: (module: AdapterModule) => AppSpec): SuiteApp {
  let current: SuiteApp | undefined;
  beforeAll(async () => {
    const handle = await target.load();
    current = { handle, app: await handle.app(spec(handle.module)) };
  });
  afterAll(async () => {
    await current?.app.close();
    current = undefined;
  });
  const get = (): SuiteApp => {
    if (!current) throw new Error(`the ${target.name} app runs only inside the suite that asked for it`);
    return current;
  };
  return {
    get app() {
      return get().app;
    },
    get handle() {
      return get().handle;
    },
  };
}
