/**
 * Small typed fetch wrapper for the AdPilot gateway API.
 *
 * - Same-origin cookies are always sent (`credentials: 'same-origin'`).
 * - Successful JSON responses are parsed and returned as `T`.
 * - Error responses are parsed as RFC 9457 problem details
 *   (`application/problem+json`) and thrown as {@link ApiError}.
 * - Network failures are thrown as an `ApiError` with `status === 0`.
 * - Aborts (via `signal`) are re-thrown unchanged so callers can ignore them.
 * - Signed in (an {@link AuthProvider} is installed by `src/auth/session.ts`), requests carry
 *   `Authorization: Bearer <access token>`; a 401 with a `WWW-Authenticate: Bearer` challenge (token
 *   expired or revoked) triggers one (single-flight) refresh and one retry.
 *   Pass `auth: false` for public endpoints (sign-in, sign-up, ...).
 * - `csrf: true` echoes the readable `adpilot_csrf` cookie in `X-CSRF-Token` (refresh, logout).
 *
 * The generated, typed client in `./typed.ts` (openapi-fetch over `schema.d.ts`) reuses these pieces, so
 * both behave alike; prefer it for calls of the services' API.
 */

/** RFC 9457 problem details object. Extension members are allowed. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  /** HTTP status code, or 0 when the request never got a response. */
  readonly status: number;
  /** Short, human-readable summary (problem `title`). */
  readonly title: string;
  /** Human-readable explanation specific to this occurrence, if any. */
  readonly detail?: string;
  /** Problem type URI; `about:blank` when the server did not send one. */
  readonly type: string;
  /** The full parsed problem body, when the server sent one. */
  readonly problem?: ProblemDetails;
  /** The `X-Correlation-ID` the server answered with: the key to its log lines for this request. */
  readonly correlationId?: string;

  constructor(init: {
    status: number;
    title: string;
    detail?: string;
    type?: string;
    problem?: ProblemDetails;
    correlationId?: string;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type ?? 'about:blank';
    this.problem = init.problem;
    this.correlationId = init.correlationId;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'AbortError'
  );
}

export interface RequestOptions extends Omit<RequestInit, 'body' | 'credentials'> {
  /** Serialized as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Raw body, used as-is when `json` is not given. */
  body?: BodyInit | null;
  /**
   * Attach the access token (when signed in) and, after a 401, refresh once and retry.
   * Default true; use false for public endpoints whose 401 means something else (wrong password).
   */
  auth?: boolean;
  /** Send the CSRF double-submit header (`X-CSRF-Token` = the `adpilot_csrf` cookie). */
  csrf?: boolean;
}

export const CSRF_COOKIE = 'adpilot_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const CORRELATION_HEADER = 'X-Correlation-ID';
/** What every API request accepts: JSON answers and RFC 9457 problems. */
export const ACCEPT_JSON = 'application/json, application/problem+json';

/** The value of a cookie readable by scripts (`document.cookie`), or undefined. */
export function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/**
 * Supplies access tokens to {@link apiFetch}. Installed once by the auth session module; the client
 * itself never stores a token.
 */
export interface AuthProvider {
  /** A usable access token (refreshed first if it is about to expire), or null when signed out. */
  getAccessToken(): Promise<string | null>;
  /**
   * A request sent with `rejectedToken` got a 401: return a fresh token to retry with (refreshing at most
   * once for concurrent callers), or null when the session is gone.
   */
  handleUnauthorized(rejectedToken: string): Promise<string | null>;
}

let authProvider: AuthProvider | null = null;

/** Install (or remove, with null) the token source used by every request. */
export function setAuthProvider(provider: AuthProvider | null): void {
  authProvider = provider;
}

/** The installed token source, if any (the typed client's auth middleware asks it per request). */
export function getAuthProvider(): AuthProvider | null {
  return authProvider;
}

const MAX_TEXT_DETAIL = 300;

function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Build an ApiError from a non-2xx response. Never throws. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const fallbackTitle = res.statusText || `HTTP ${res.status}`;
  const correlationId = optionalString(res.headers.get(CORRELATION_HEADER));
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: fall through with an empty body.
  }

  if (text && isJsonContentType(res.headers.get('content-type'))) {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        const problem = body as ProblemDetails;
        return new ApiError({
          status: typeof problem.status === 'number' ? problem.status : res.status,
          title: optionalString(problem.title) ?? fallbackTitle,
          detail: optionalString(problem.detail),
          type: optionalString(problem.type),
          problem,
          correlationId,
        });
      }
    } catch {
      // Not valid JSON despite the header: treat as text below.
    }
  }

  const trimmed = text.trim();
  return new ApiError({
    status: res.status,
    title: fallbackTitle,
    detail:
      trimmed === ''
        ? undefined
        : trimmed.length > MAX_TEXT_DETAIL
          ? `${trimmed.slice(0, MAX_TEXT_DETAIL)}…`
          : trimmed,
    correlationId,
  });
}

/** One request with same-origin cookies; a network failure becomes an `ApiError` with status 0. */
export async function send(
  path: string,
  init: Omit<RequestOptions, 'json' | 'auth' | 'csrf'>,
  headers: Headers,
): Promise<Response> {
  try {
    return await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError({
      status: 0,
      title: 'Network error',
      detail: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * A 401 about the access token carries an RFC 6750 `WWW-Authenticate: Bearer ...` challenge; a 401 for
 * other reasons (a wrong password when re-authenticating, a wrong MFA code) does not, and must not
 * trigger a refresh and a second attempt.
 */
export function isTokenChallenge(res: Response): boolean {
  return /^\s*bearer\b/i.test(res.headers.get('WWW-Authenticate') ?? '');
}

function canResend(body: BodyInit | null | undefined): boolean {
  return !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}

/**
 * Perform a request against the API and return the parsed JSON body.
 * Returns `undefined` (typed as `T`) for empty bodies such as 204.
 */
export async function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { json, body, headers: initHeaders, auth = true, csrf = false, ...rest } = options;
  const headers = new Headers(initHeaders);
  if (!headers.has('Accept')) {
    headers.set('Accept', ACCEPT_JSON);
  }
  let requestBody: BodyInit | null | undefined = body;
  if (json !== undefined) {
    headers.set('Content-Type', 'application/json');
    requestBody = JSON.stringify(json);
  }
  if (csrf) {
    const token = readCookie(CSRF_COOKIE);
    if (token) headers.set(CSRF_HEADER, token);
  }

  const provider = auth && !headers.has('Authorization') ? authProvider : null;
  let token = provider ? await provider.getAccessToken() : null;
  if (token) headers.set('Authorization', `Bearer ${token}`);

  let res = await send(path, { ...rest, body: requestBody }, headers);

  if (res.status === 401 && provider && token && isTokenChallenge(res) && canResend(requestBody)) {
    token = await provider.handleUnauthorized(token);
    if (token) {
      headers.set('Authorization', `Bearer ${token}`);
      res = await send(path, { ...rest, body: requestBody }, headers);
    }
  }

  if (!res.ok) {
    throw await errorFromResponse(res);
  }

  const text = await res.text();
  if (text === '') return undefined as T;
  return parseJsonBody(res, text, path) as T;
}

/** The JSON value of a successful answer's non-empty body; anything else is an `ApiError`. */
export function parseJsonBody(res: Response, text: string, path: string): unknown {
  if (!isJsonContentType(res.headers.get('content-type'))) {
    throw new ApiError({
      status: res.status,
      title: 'Unexpected response',
      detail: `Expected JSON from ${path} but got ${res.headers.get('content-type') ?? 'no content type'}`,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError({
      status: res.status,
      title: 'Invalid JSON response',
      detail: `Could not parse the response from ${path}`,
    });
  }
}

type BodylessOptions = Omit<RequestOptions, 'method' | 'json' | 'body'>;
type BodyOptions = Omit<RequestOptions, 'method' | 'json'>;

export const api = {
  get: <T>(path: string, options?: BodylessOptions) =>
    apiFetch<T>(path, { ...options, method: 'GET' }),
  delete: <T = void>(path: string, options?: BodylessOptions) =>
    apiFetch<T>(path, { ...options, method: 'DELETE' }),
  post: <T>(path: string, json?: unknown, options?: BodyOptions) =>
    apiFetch<T>(path, { ...options, method: 'POST', json }),
  put: <T>(path: string, json?: unknown, options?: BodyOptions) =>
    apiFetch<T>(path, { ...options, method: 'PUT', json }),
  patch: <T>(path: string, json?: unknown, options?: BodyOptions) =>
    apiFetch<T>(path, { ...options, method: 'PATCH', json }),
};
