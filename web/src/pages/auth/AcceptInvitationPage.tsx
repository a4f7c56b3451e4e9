import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { acceptInvitation } from '../../api/auth';
import { queryKeys, useSwitchOrg } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Notice } from '../../components/States';
import { AuthShell } from './AuthShell';

/** /invitations/accept?token=… (signed in: RequireAuth sends visitors to sign in first and back here). */
export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const queryClient = useQueryClient();
  const switchOrg = useSwitchOrg();
  const accept = useMutation({
    mutationFn: () => acceptInvitation(token),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.orgs }),
  });

  if (!token) {
    return (
      <AuthShell title="Accept invitation">
        <ErrorBanner
          heading="This link is incomplete"
          error={new Error('The invitation link has no token. Open the link from the email again.')}
        />
      </AuthShell>
    );
  }

  if (accept.isSuccess) {
    const org = accept.data;
    return (
      <AuthShell title="Invitation accepted">
        <Notice testId="invitation-accepted">
          You joined <strong>{org.name}</strong> as {org.role}.
        </Notice>
        {switchOrg.isSuccess ? (
          <p>
            <Link to="/members">See the members of {org.name}</Link>
          </p>
        ) : (
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() => switchOrg.mutate(org.id)}
              disabled={switchOrg.isPending}
            >
              {switchOrg.isPending ? 'Switching…' : `Switch to ${org.name}`}
            </button>
            <Link to="/">Not now</Link>
          </div>
        )}
        {switchOrg.isError ? <ErrorBanner heading="Could not switch" error={switchOrg.error} /> : null}
      </AuthShell>
    );
  }

  return (
    <AuthShell
      title="Accept invitation"
      description="You have been invited to join an organisation on AdPilot. The invitation must have been sent to the email address of the account you are signed in with."
    >
      {accept.isError ? <ErrorBanner heading="Could not accept the invitation" error={accept.error} /> : null}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => accept.mutate()}
          disabled={accept.isPending}
          aria-busy={accept.isPending || undefined}
        >
          {accept.isPending ? 'Joining…' : 'Accept invitation'}
        </button>
        <Link to="/">Cancel</Link>
      </div>
    </AuthShell>
  );
}
