// Injected by build-cjs.js into a CommonJS bundle that reads import.meta.url: the URL of the bundle's
// ESM twin (dist/index.js, one level above dist/cjs/index.js), so paths relative to it still hold.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const esmTwinUrl = pathToFileURL(join(__dirname, '..', 'index.js')).href;
