import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { authSession } from '../auth/session';
import { fakeJwt, tokenResponse, type FakeClaims } from './http';

/** The whole app (providers, layout, routes) at `path`. */
export function renderApp(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

/** Start the test signed in (as if the refresh on load had succeeded). */
export function signIn(claims: FakeClaims = {}) {
  authSession.signIn(tokenResponse(fakeJwt(claims)));
}
