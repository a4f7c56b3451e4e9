import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { authSession } from '../auth/session';

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
