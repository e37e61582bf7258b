// POSTs a form to the introspection endpoint with a timeout and a response size cap: the endpoint must never hang or flood us.
import { abortOf, BodyReadError, readCappedBody } from '../read-capped-body.js';

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
  const aborted = abortOf(signal);
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
  let body: string;
  try {
    body = await readCappedBody(response, settings.maxBytes, signal, aborted);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    const failures: Record<BodyReadError['problem'], IntrospectionFailure> = {
      declared_too_large: new IntrospectionFailure(`POST ${url} answered ${error.declared} bytes, over maxResponseBytes (${settings.maxBytes})`, 'response'),
      too_large: new IntrospectionFailure(`POST ${url} answered more than maxResponseBytes (${settings.maxBytes})`, 'response'),
      timeout: new IntrospectionFailure(`POST ${url} timed out while reading the answer`, 'endpoint'),
      failed: new IntrospectionFailure(`POST ${url} failed while reading the answer`, 'endpoint'),
    };
    throw failures[error.problem];
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return { status: response.status, mediaType, body };
}
