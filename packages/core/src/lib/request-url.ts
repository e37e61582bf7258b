// The absolute URL of a request from its parts, for a DPoP proof's htu: each part checked, so no header can move the path.

// A host as RFC 3986 section 3.2.2 allows it in practice: a name or IPv4 address, or an IPv6 literal in
// brackets, then an optional port. Nothing that could end the authority (`/ ? # \ @`) gets through.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/**
 * The absolute URL `scheme://host/target` of a request, or `undefined` when a part is not what it claims:
 * a scheme other than `http`/`https`, a host with anything an authority cannot hold, or a target that is
 * not origin-form (`/path?query`; an absolute-form target would choose its own scheme and host). The
 * adapters build DPoP's request URL with it, because a `Host` or forwarded header holding `/`, `?` or `#`
 * would otherwise redraw where the path begins. A request without a URL gets no DPoP proof accepted.
 * @param protocol - the framework's scheme (`req.protocol`, `ctx.protocol`), with or without a colon
 * @param host - the `Host` (or trusted `X-Forwarded-Host`) value, with its port
 * @param target - the request target as received (`req.originalUrl`)
 * @example requestUrlFrom(req.protocol, req.get('host'), req.originalUrl) // 'https://api.example.com/orders?x=1'
 * @see RFC 9449 section 4.3, RFC 9112 section 3.2
 */
export function requestUrlFrom(protocol: unknown, host: unknown, target: unknown): string | undefined {
  if (typeof protocol !== 'string' || typeof host !== 'string' || typeof target !== 'string') return undefined;
  const scheme = protocol.endsWith(':') ? protocol.slice(0, -1).toLowerCase() : protocol.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  if (host.length > 300 || !HOST.test(host)) return undefined;
  if (!target.startsWith('/')) return undefined;
  return `${scheme}://${host}${target}`;
}
