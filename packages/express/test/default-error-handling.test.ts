// Without tollgateErrorHandler, Express's own finalhandler renders a refusal as HTML with the error's "stack",
// which for tollgate's errors is only "Name: description". Express 4 and 5. Status, challenge and the absence
// of leaks are checked for every adapter in test/adapters/error-handling.test.ts.
import { describe, expect, it } from 'vitest';
import { expressDriver } from '../../../test/adapters/drivers/index.js';
import { describeTargets, useSuiteApp } from '../../../test/adapters/harness.js';
import { refusalsApp, REFUSALS, sendRefusal } from '../../../test/adapters/refusals.js';
import { useIssuer } from '../../../test/support/issuer.js';

const issuer = useIssuer();

describeTargets([expressDriver], (_driver, target) => {
  describe('without a tollgate error handler', () => {
    const suite = useSuiteApp(target, () => refusalsApp(issuer.options(), 'default'));

    it.each(REFUSALS)('renders $name through finalhandler as <pre>Name: description</pre>', async (refusal) => {
      const { res } = await sendRefusal(suite.app.url, issuer.current, refusal);
      expect(res.status).toBe(refusal.status);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      // finalhandler prints err.stack outside production; tollgate's stack is only "Name: description".
      expect(res.text).toContain(`<pre>${refusal.error.name}: ${refusal.error.description}</pre>`);
    });
  });
});
