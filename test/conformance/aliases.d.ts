// The older majors are installed under npm aliases (express4 = express@4, koa2 = koa@2) without types of
// their own; the suite uses them through the current major's types (the API it touches is the same).
// fastify4 ships its own types and is cast where it is loaded.
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
