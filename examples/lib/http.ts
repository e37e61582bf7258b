// One bounded HTTP request of the examples, answered as status, error code, challenge and body.

/** What the examples look at in a response. */
export interface Answer {
  status: number;
  /** The `error` member of a JSON body, if any. */
  error: string | undefined;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  body: unknown;
}

/** Sends a request (5 s timeout) with an optional bearer token. */
export async function call(method: 'GET' | 'POST', url: string, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const error = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : undefined;
  return {
    status: response.status,
    error,
    wwwAuthenticate: response.headers.get('www-authenticate'),
    retryAfter: response.headers.get('retry-after'),
    body,
  };
}
