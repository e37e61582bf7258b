// The root devDependency `express4` is an npm alias of Express 4, which ships no types: type it as Express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
