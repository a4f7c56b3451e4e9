import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { verifyEmail } from '../../api/auth';
import { useAuth } from '../../auth/useAuth';
import { ErrorBanner } from '../../components/ErrorBanner';
import { LoadingState, Notice } from '../../components/States';
import { AuthShell } from './AuthShell';

/**
 * /verify-email?token=… (the link from the verification email). The token is single-use, so the call is
 * made once per token (a query with no retries and an infinite stale time, not a mount effect).
 */
export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { status } = useAuth();
  const verification = useQuery({
    queryKey: ['verify-email', token],
    queryFn: async () => {
      await verifyEmail(token);
      return true;
    },
    enabled: token !== '',
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const next = status === 'authenticated' ? <Link to="/account">Go to your account</Link> : <Link to="/login">Sign in</Link>;

  return (
    <AuthShell title="Verify your email">
      {!token ? (
        <ErrorBanner
          heading="This link is incomplete"
          error={new Error('The verification link has no token. Open the link from the email again.')}
        />
      ) : verification.isPending ? (
        <LoadingState label="Verifying your email address…" />
      ) : verification.isError ? (
        <ErrorBanner heading="Could not verify your email" error={verification.error}>
          <span className="banner-note">
            Links expire after 24 hours and work once. You can request a new one from your account page.
          </span>
        </ErrorBanner>
      ) : (
        <Notice testId="verify-done">Thanks, your email address is verified.</Notice>
      )}
      <p>{next}</p>
    </AuthShell>
  );
}
