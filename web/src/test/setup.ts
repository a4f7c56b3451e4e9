import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { authSession } from '../auth/session';

// findBy*/waitFor give up after 1 s by default: too tight on a loaded 2-core CI machine running the
// test files in parallel. A real failure still fails, only later.
configure({ asyncUtilTimeout: 5000 });

/** Pages render the live-events indicator when signed in: its socket never connects in unit tests. */
class IdleWebSocket {
  static readonly OPEN = 1;
  readyState = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  send(): void {}
  close(): void {}
}

beforeEach(() => {
  vi.stubGlobal('WebSocket', IdleWebSocket);
});

// Vitest runs without globals, so Testing Library cannot register its own
// automatic cleanup: unmount rendered trees after every test here.
// Then forget the in-memory session and the cookies a test set.
afterEach(() => {
  cleanup();
  authSession.reset();
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; Max-Age=0; Path=/`;
  }
  localStorage.clear();
  sessionStorage.clear();
});
