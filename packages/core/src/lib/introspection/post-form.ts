// POSTs a form to the introspection endpoint with a timeout and a response size cap: the endpoint must never hang or flood us.

/** Why an introspection answer could not be had or used: the message is safe to log (it names the URL, never a body or credential). */
export class IntrospectionFailure extends Error {
  constructor(
    message: string,
    /** `client_credentials`: the endpoint refused the API's own credentials; `configuration`: a setting is wrong; `endpoint`: it failed; `response`: its answer is unusable. */
    readonly problem: IntrospectionProblemKind,
    /** A failure of this request only (the endpoint said to slow down): no cooldown for every other token. */
    readonly perRequest = false,
  ) {
    super(message);
    this.name = 'IntrospectionFailure';
  }
}

/** The kinds of introspection failure (see {@link IntrospectionFailure}). */
export type IntrospectionProblemKind = 'client_credentials' | 'configuration' | 'endpoint' | 'response';

/** The endpoint's answer, read in full (within the cap). */
export interface FormResponse {
  readonly status: number;
  /** The media type, lower case, without parameters (`application/json`). */
  readonly mediaType: string;
  readonly body: string;
}

/** Settings of {@link postForm}. */
export interface PostFormSettings {
  fetch: typeof globalThis.fetch;
  timeoutSeconds: number;
  maxBytes: number;
}

/**
 * POSTs `form` to `url` and reads the answer. Redirects are refused (the configured endpoint is the one
 * trusted with tokens and credentials). The timeout bounds the whole exchange even when `fetch` or its
 * body ignore the abort signal: every await races it.
 */
export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string>, settings: PostFormSettings): Promise<FormResponse> {
  const timeoutMs = Math.max(1, Math.round(settings.timeoutSeconds * 1000));
  const signal = AbortSignal.timeout(timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => {});
  let response: Response;
  try {
    const request = settings.fetch(url, {
      method: 'POST',
      signal,
      redirect: 'error',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    response = await Promise.race([request, aborted]);
  } catch {
    // The fetch error may quote the request; only what happened is reported.
    throw new IntrospectionFailure(signal.aborted ? `POST ${url} timed out after ${timeoutMs} ms` : `POST ${url} failed (network error)`, 'endpoint');
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > settings.maxBytes) {
    discard(response.body);
    throw new IntrospectionFailure(`POST ${url} answered ${declared} bytes, over maxResponseBytes (${settings.maxBytes})`, 'response');
  }
  const chunks: Uint8Array[] = [];
  if (response.body) {
    const reader = response.body.getReader();
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) break;
        size += value.byteLength;
        if (size > settings.maxBytes) throw new IntrospectionFailure(`POST ${url} answered more than maxResponseBytes (${settings.maxBytes})`, 'response');
        chunks.push(value);
      }
    } catch (error) {
      discard(reader);
      if (error instanceof IntrospectionFailure) throw error;
      throw new IntrospectionFailure(signal.aborted ? `POST ${url} timed out while reading the answer` : `POST ${url} failed while reading the answer`, 'endpoint');
    }
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return { status: response.status, mediaType, body: Buffer.concat(chunks).toString('utf8') };
}

/** Cancels a body or reader without waiting, and without an unhandled rejection. */
function discard(body: { cancel(): Promise<void> } | null): void {
  try {
    body?.cancel().catch(() => {});
  } catch {
    // A locked or broken stream: nothing more to release.
  }
}
