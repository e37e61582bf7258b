// The root devDependencies `express4` and `koa2` are npm aliases of Express 4 and Koa 2, which ship no types:
// the suites use them through the current major's types (the API they touch is the same). fastify4 ships its own.
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
