// The check that a response body gives nothing away: no stack, no source path, not the token.

/** What a response body gives away that it must not: a stack trace, a source path, the token. Empty when clean. */
export function leaks(body: string, token?: string): string[] {
  const found: string[] = [];
  for (const needle of ['/src/', '.ts:', '.js:', 'node_modules', 'file://', '/work/']) if (body.includes(needle)) found.push(needle);
  // A stack frame, plain or as finalhandler's HTML renders it (spaces turned into &nbsp;).
  if (/(\n|<br>)\s*(&nbsp;|\s)*at /.test(body)) found.push('a stack frame');
  if (token && body.includes(token)) found.push('the token');
  const signature = token?.split('.')[2];
  if (signature && body.includes(signature)) found.push('the token signature');
  return found;
}
