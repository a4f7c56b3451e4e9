import { useSearchParams } from 'react-router-dom';
import { platformLabel, type Connection } from '../../api/connectors';
import { Notice } from '../../components/States';

/** What the OAuth callback's `?link_error=<code>` means to the person who just came back from the platform. */
const LINK_ERRORS: Record<string, string> = {
  access_denied: 'Access was not granted on the platform, so nothing was linked.',
  invalid_state: 'The link request was not recognised (it may have been used already). Start again.',
  expired_state: 'The link request expired before you came back. Start again.',
  state_mismatch: 'The link request belongs to another session. Start again from this browser.',
  session_revoked: 'You were signed out while on the platform. Sign in and start again.',
  exchange_failed: 'The platform did not accept the authorization. Try again in a moment.',
  no_accounts: 'The login has no ad accounts this app can manage.',
  not_configured: 'This platform is not configured on this server.',
  platform_error: 'The platform reported an error while linking. Try again in a moment.',
};

export function linkErrorMessage(code: string): string {
  return LINK_ERRORS[code] ?? `The account could not be linked (${code}).`;
}

/** The outcome of an OAuth round trip, read from the query string the callback redirected to. */
export function LinkResultBanner({ connections }: { connections: Connection[] | undefined }) {
  const [params, setParams] = useSearchParams();
  const linked = params.get('linked');
  const error = params.get('link_error');
  if (!linked && !error) return null;

  const dismiss = () => {
    const next = new URLSearchParams(params);
    next.delete('linked');
    next.delete('link_error');
    setParams(next, { replace: true });
  };
  const dismissButton = (
    <button type="button" className="link-button" onClick={dismiss}>
      Dismiss
    </button>
  );

  if (error) {
    return (
      <div className="banner banner-error" role="alert" data-testid="link-error">
        <strong className="banner-heading">Could not link the ad platform</strong>
        <span className="banner-detail">{linkErrorMessage(error)}</span>
        {dismissButton}
      </div>
    );
  }
  const connection = connections?.find((c) => c.id === linked);
  return (
    <Notice testId="link-success">
      {connection ? (
        <>
          Linked <strong>{connection.label}</strong> ({platformLabel(connection.platform)}).{' '}
        </>
      ) : (
        'Linked. '
      )}
      Its ad accounts are listed below. {dismissButton}
    </Notice>
  );
}
