// The root devDependency `koa2` is an npm alias of Koa 2, which ships no types: type it as Koa.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
