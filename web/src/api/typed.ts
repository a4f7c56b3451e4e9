/**
 * The typed API client: openapi-fetch over the types generated from the gateway's merged OpenAPI document
 * (`schema.d.ts`, from `web/openapi.json`; `make api-client` regenerates both). Paths, parameters, bodies
 * and answers are checked against the services' own schemas at compile time.
 *
 * It behaves like `apiFetch` in `./client.ts`, whose pieces its middleware reuses:
 * - same-origin cookies; `Accept: application/json, application/problem+json`;
 * - signed in, `Authorization: Bearer <access token>`, and after a 401 with a `Bearer` challenge one
 *   refresh and one retry ({@link api}); {@link publicApi} sends no token (sign-in, sign-up, ...);
 * - {@link withCsrf} (per request) echoes the `adpilot_csrf` cookie in `X-CSRF-Token`;
 * - an error answer is thrown as {@link ApiError} (RFC 9457 problem details, with the answer's
 *   `X-Correlation-ID`), a network failure as an `ApiError` with status 0; aborts are re-thrown unchanged;
 * - a successful answer that is not JSON is an `ApiError` too.
 *
 * So `data` is the only thing callers need: {@link ok} unwraps it.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import {
  ACCEPT_JSON,
  CSRF_COOKIE,
  CSRF_HEADER,
  errorFromResponse,
  getAuthProvider,
  isTokenChallenge,
  parseJsonBody,
  readCookie,
  send,
} from './client';
import type { components, paths } from './schema';

/** The API's named schemas: `Schemas['TokenResponse']`. */
export type Schemas = components['schemas'];
export type { components, paths };

/** The page's origin; openapi-fetch builds absolute `Request`s, and requests go out same-origin again. */
const ORIGIN = typeof location === 'undefined' ? '' : location.origin;

/** The path (and query) of a same-origin URL; any other URL unchanged. */
function sameOriginPath(url: string): string {
  return ORIGIN && url.startsWith(`${ORIGIN}/`) ? url.slice(ORIGIN.length) : url;
}

/**
 * openapi-fetch hands over a `Request`; send it like `apiFetch` does (relative path, same-origin cookies,
 * a network failure as `ApiError` 0). The body is read from a clone, so a retry can send the request again.
 */
async function transport(request: Request): Promise<Response> {
  const body = request.body === null ? undefined : await request.clone().text();
  return send(sameOriginPath(request.url), { method: request.method, body, signal: request.signal }, request.headers);
}

/** Accept JSON and problems (first: the others add to this request). */
const acceptJson: Middleware = {
  onRequest({ request }) {
    if (!request.headers.has('Accept')) request.headers.set('Accept', ACCEPT_JSON);
    return request;
  },
};

/** The access token each request was sent with (only those this middleware signed). */
const sentTokens = new WeakMap<Request, string>();

/**
 * Bearer token from the installed {@link AuthProvider}; a 401 with a token challenge gets one refresh
 * (single-flight, in the provider) and one retry. A 401 without the challenge (wrong password, wrong MFA
 * code) is an answer, not an expired token.
 */
const bearerAuth: Middleware = {
  async onRequest({ request }) {
    const provider = getAuthProvider();
    if (!provider || request.headers.has('Authorization')) return undefined;
    const token = await provider.getAccessToken();
    if (!token) return undefined;
    request.headers.set('Authorization', `Bearer ${token}`);
    sentTokens.set(request, token);
    return request;
  },
  async onResponse({ request, response, options }) {
    const token = sentTokens.get(request);
    const provider = getAuthProvider();
    if (response.status !== 401 || !token || !provider || !isTokenChallenge(response)) return undefined;
    const fresh = await provider.handleUnauthorized(token);
    if (!fresh) return undefined;
    const retry = request.clone();
    retry.headers.set('Authorization', `Bearer ${fresh}`);
    return options.fetch(retry);
  },
};

/** Error answers become `ApiError`s, successful ones must be JSON (or empty); runs after any retry. */
const problems: Middleware = {
  async onResponse({ request, response, options }) {
    if (!response.ok) throw await errorFromResponse(response);
    if (options.parseAs !== 'json') return undefined;
    const text = await response.clone().text();
    if (text !== '') parseJsonBody(response, text, sameOriginPath(request.url));
    return undefined;
  },
};

/** Per request, for cookie-authenticated writes: `api.POST(path, { middleware: [withCsrf] })`. */
export const withCsrf: Middleware = {
  onRequest({ request }) {
    const token = readCookie(CSRF_COOKIE);
    if (!token) return undefined;
    request.headers.set(CSRF_HEADER, token);
    return request;
  },
};

function buildClient(signed: boolean): Client<paths> {
  const client = createClient<paths>({ baseUrl: ORIGIN, fetch: transport });
  // onRequest runs in this order, onResponse in the reverse one: the retry happens before `problems` sees it.
  client.use(problems, acceptJson);
  if (signed) client.use(bearerAuth);
  return client;
}

/** The API as the signed-in user (no token while signed out). */
export const api = buildClient(true);

/** Public endpoints, whose 401 means something other than an expired token: no token, no refresh. */
export const publicApi = buildClient(false);

/**
 * The data of a successful call. Failures never get here: the middleware throws them as `ApiError`s.
 * Empty answers (204) are `undefined`.
 */
export async function ok<T>(pending: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data } = await pending;
  return data as T;
}

/**
 * A request body that leaves out fields the service fills in itself. openapi-typescript types a property
 * with a default as present (true of every answer: the services always send it), which would make callers
 * repeat the service's defaults in request bodies; `K` names the fields they may leave out.
 */
export type WithDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export function withDefaults<T, K extends keyof T>(body: WithDefaults<T, K>): T {
  return body as T;
}
