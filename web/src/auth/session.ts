/**
 * The signed-in session of this tab.
 *
 * - The access token lives only in this module's memory (a private field): never in localStorage,
 *   sessionStorage or a readable cookie, and never in React state or the query cache.
 * - The long-lived credential is the auth service's HttpOnly refresh cookie. `restore()` trades it for an
 *   access token when the app loads; a timer refreshes shortly before the access token expires; a 401 on
 *   any request triggers one refresh and one retry (see `apiFetch`).
 * - Refreshes are single-flight: concurrent callers share one `POST /api/auth/refresh`. The refresh token
 *   rotates on every use and presenting a spent one revokes the whole session, so two refreshes must never
 *   race: within a tab the shared promise prevents it, across tabs a Web Lock serialises them.
 * - Refresh and sign-out are cookie-authenticated, so they carry the CSRF double-submit header.
 */
import type { Role, TokenResponse } from '../api/auth';
import {
  CSRF_COOKIE,
  apiFetch,
  isApiError,
  readCookie,
  setAuthProvider,
  type AuthProvider,
} from '../api/client';

export type AuthStatus = 'unknown' | 'authenticated' | 'anonymous';

/** What the SPA needs from the access token's claims (read, not verified: the server verifies). */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  orgId: string | null;
  role: Role | null;
  mfa: boolean;
}

export interface AuthSnapshot {
  /** `unknown` until the first restore attempt settles. */
  status: AuthStatus;
  claims: AccessClaims | null;
  /** When the current access token expires (ms since the epoch). */
  expiresAt: number | null;
}

export const REFRESH_PATH = '/api/auth/refresh';
export const LOGOUT_PATH = '/api/auth/logout';
/** Refresh this long before the access token expires (at most half its remaining life). */
export const REFRESH_LEAD_MS = 60_000;
/** A token with less than this left is refreshed before it is used. */
export const MIN_TOKEN_VALIDITY_MS = 5_000;
/** After a refresh failed for lack of network (token still valid), try again after this long. */
export const NETWORK_RETRY_MS = 15_000;
const LOCK_NAME = 'adpilot-auth-refresh';

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims of a JWT access token, or null when it cannot be read. */
export function decodeClaims(token: string): AccessClaims | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(decodeBase64Url(payload)) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return {
      userId: str(claims.sub) ?? '',
      sessionId: str(claims.sid) ?? '',
      orgId: str(claims.org),
      role: str(claims.role) as Role | null,
      mfa: claims.mfa === true,
    };
  } catch {
    return null;
  }
}

function expireCsrfCookie(): void {
  if (typeof document !== 'undefined') {
    document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; SameSite=Strict`;
  }
}

/** Run `fn` while holding a lock shared by every tab of this origin (when the browser has Web Locks). */
async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks || typeof locks.request !== 'function') return fn();
  return locks.request(LOCK_NAME, fn);
}

type Listener = () => void;

export class AuthSession implements AuthProvider {
  #token: string | null = null;
  #snapshot: AuthSnapshot = { status: 'unknown', claims: null, expiresAt: null };
  #listeners = new Set<Listener>();
  #inflight: Promise<string | null> | null = null;
  #restoring: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by sign-in, sign-out and reset: a refresh started before then must not apply its result. */
  #generation = 0;

  // ---- store API (useSyncExternalStore) --------------------------------------------------------------

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getSnapshot = (): AuthSnapshot => this.#snapshot;

  #publish(next: AuthSnapshot): void {
    this.#snapshot = next;
    for (const listener of [...this.#listeners]) listener();
  }

  // ---- tokens ----------------------------------------------------------------------------------------

  /** Adopt the tokens of a successful sign-in (password, MFA step or org switch). */
  signIn(tokens: TokenResponse): void {
    this.#generation += 1;
    this.#apply(tokens);
  }

  /** Adopt a new access token for the same session (org switch). */
  replaceToken(tokens: TokenResponse): void {
    this.#apply(tokens);
  }

  #apply(tokens: TokenResponse): void {
    const expiresAt = Date.parse(tokens.expires_at);
    this.#token = tokens.access_token;
    const claims = decodeClaims(tokens.access_token);
    this.#publish({
      status: 'authenticated',
      claims: claims ?? {
        userId: '',
        sessionId: tokens.session_id,
        orgId: null,
        role: null,
        mfa: false,
      },
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : null,
    });
    this.#schedule();
  }

  #schedule(delayMs?: number): void {
    this.#cancelTimer();
    const expiresAt = this.#snapshot.expiresAt;
    if (expiresAt === null && delayMs === undefined) return;
    let delay = delayMs;
    if (delay === undefined) {
      const remaining = expiresAt! - Date.now();
      delay = Math.max(remaining - Math.min(REFRESH_LEAD_MS, remaining / 2), 0);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh();
    }, delay);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #clear(): void {
    this.#cancelTimer();
    this.#token = null;
    this.#publish({ status: 'anonymous', claims: null, expiresAt: null });
  }

  #tokenIsFresh(): boolean {
    const { expiresAt } = this.#snapshot;
    return this.#token !== null && (expiresAt === null || expiresAt - Date.now() > MIN_TOKEN_VALIDITY_MS);
  }

  // ---- AuthProvider (used by apiFetch) ------------------------------------------------------------------

  async getAccessToken(): Promise<string | null> {
    if (this.#inflight) return this.#inflight;
    if (this.#token === null) return null;
    if (this.#tokenIsFresh()) return this.#token;
    return this.refresh();
  }

  async handleUnauthorized(rejectedToken: string): Promise<string | null> {
    if (this.#inflight) return this.#inflight;
    // Another request already refreshed since this one was sent: retry with the newer token.
    if (this.#token !== null && this.#token !== rejectedToken) return this.#token;
    return this.refresh();
  }

  // ---- refresh / restore / sign-out ---------------------------------------------------------------------

  /** Trade the refresh cookie for a new access token; concurrent calls share one request. */
  refresh(): Promise<string | null> {
    if (!this.#inflight) {
      this.#inflight = this.#doRefresh().finally(() => {
        this.#inflight = null;
      });
    }
    return this.#inflight;
  }

  async #doRefresh(): Promise<string | null> {
    const generation = this.#generation;
    try {
      const tokens = await withRefreshLock(() =>
        apiFetch<TokenResponse>(REFRESH_PATH, { method: 'POST', auth: false, csrf: true }),
      );
      if (generation !== this.#generation) return this.#token;
      this.#apply(tokens);
      return tokens.access_token;
    } catch (err) {
      if (generation !== this.#generation) return this.#token;
      if (isApiError(err) && err.status === 0 && this.#tokenIsFresh()) {
        // Offline for a moment: keep the still-valid token and try again later.
        this.#schedule(NETWORK_RETRY_MS);
        return this.#token;
      }
      if (isApiError(err) && (err.status === 401 || err.status === 403)) {
        // The refresh cookie is gone or spent: drop the CSRF cookie so the next load does not try again.
        expireCsrfCookie();
      }
      this.#clear();
      return null;
    }
  }

  /**
   * Restore the session when the app loads (once per page). Without the readable CSRF cookie there is no
   * refresh cookie either, so the refresh call (and its 401) is skipped.
   */
  restore(): Promise<void> {
    if (!this.#restoring) {
      if (this.#snapshot.status !== 'unknown') {
        this.#restoring = Promise.resolve();
      } else if (!readCookie(CSRF_COOKIE)) {
        this.#clear();
        this.#restoring = Promise.resolve();
      } else {
        this.#restoring = this.refresh().then(() => undefined);
      }
    }
    return this.#restoring;
  }

  /** Sign out: revoke the session server-side (best effort) and forget the token. */
  async logout(): Promise<void> {
    this.#generation += 1;
    this.#cancelTimer();
    if (this.#inflight) await this.#inflight.catch(() => null);
    try {
      await apiFetch<void>(LOGOUT_PATH, { method: 'POST', auth: false, csrf: true });
    } catch {
      // Already revoked or unreachable: the local session ends regardless.
    } finally {
      this.#clear();
    }
  }

  /** Forget everything (tests). */
  reset(): void {
    this.#generation += 1;
    this.#cancelTimer();
    this.#token = null;
    this.#inflight = null;
    this.#restoring = null;
    this.#snapshot = { status: 'unknown', claims: null, expiresAt: null };
    this.#listeners.clear();
  }
}

/** The one session of this tab; `apiFetch` gets its tokens from here. */
export const authSession = new AuthSession();
setAuthProvider(authSession);
