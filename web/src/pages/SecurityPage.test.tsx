import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Me } from '../api/auth';
import { jsonResponse, mockApi, problemResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';

const CODES = Array.from({ length: 10 }, (_, i) => `aaaa-bbbb-${String(i).padStart(4, 'c')}`);

describe('SecurityPage: two-factor authentication', () => {
  it('enrols with the password, shows the QR and key, confirms a code and shows the recovery codes once', async () => {
    const user = userEvent.setup();
    let me: Me = { id: 'user-1', email: 'ada@example.com', display_name: 'Ada', email_verified: false, mfa_enabled: false };
    const { callsTo } = mockApi({
      'GET /api/auth/me': () => jsonResponse(me),
      'GET /api/auth/orgs': () => jsonResponse([{ id: 'org-1', name: 'Acme', role: 'owner', require_mfa: false }]),
      'POST /api/auth/mfa/totp/enrol': ({ body }) =>
        (body as { password: string }).password === 'right password'
          ? jsonResponse({
              secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
              provisioning_uri: 'otpauth://totp/AdPilot:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
              qr_png_data_uri: 'data:image/png;base64,iVBORw0KGgo=',
            })
          : problemResponse({ title: 'Re-authentication failed', status: 401, detail: 'The password is incorrect.' }),
      'POST /api/auth/mfa/totp/confirm': () => {
        me = { ...me, mfa_enabled: true };
        return jsonResponse({ recovery_codes: CODES });
      },
    });
    signIn();
    renderApp('/account');

    const card = await screen.findByTestId('mfa');
    await user.click(within(card).getByRole('button', { name: 'Set up two-factor authentication' }));
    const password = within(card).getByLabelText('Password');
    expect(document.activeElement).toBe(password);

    await user.type(password, 'wrong password');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await within(card).findByText('The password is incorrect.', { selector: '.field-error' })).toBeTruthy();
    expect(callsTo('POST', '/api/auth/refresh')).toHaveLength(0);

    await user.clear(password);
    await user.type(password, 'right password');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));

    const qr = await within(card).findByRole('img', { name: /QR code/ });
    expect(qr.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(within(card).getByTestId('totp-secret').textContent).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    const code = within(card).getByLabelText('Authentication code');
    expect(document.activeElement).toBe(code);

    await user.type(code, '123456');
    await user.click(within(card).getByRole('button', { name: 'Turn on two-factor authentication' }));

    const list = await within(card).findByTestId('recovery-codes');
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(CODES);
    expect(callsTo('POST', '/api/auth/mfa/totp/confirm')[0]!.body).toEqual({ code: '123456' });
    expect(document.activeElement).toBe(within(card).getByRole('heading', { name: 'Save your recovery codes' }));
    await waitFor(() => expect(screen.getByTestId('mfa-status').textContent).toBe('On'));

    await user.click(within(card).getByRole('button', { name: 'I have saved my codes' }));
    expect(within(card).queryByTestId('recovery-codes')).toBeNull();
    expect(within(card).getByRole('button', { name: 'Turn off two-factor authentication' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Create new recovery codes' })).toBeTruthy();
  });
});
