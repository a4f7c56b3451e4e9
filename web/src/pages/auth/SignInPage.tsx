import { Link, useSearchParams } from 'react-router-dom';
import { authSession } from '../../auth/session';
import { AuthShell } from './AuthShell';
import { LoginForm } from './LoginForm';

/** /login (GuestOnly sends a signed-in user on to `?next=`). */
export function SignInPage() {
  const [params] = useSearchParams();
  const next = params.get('next');
  return (
    <AuthShell
      title="Sign in"
      description="Welcome back to AdPilot."
      footer={
        <p>
          New here? <Link to={next ? `/signup?next=${encodeURIComponent(next)}` : '/signup'}>Create an account</Link>
        </p>
      }
    >
      <LoginForm onSignedIn={(tokens) => authSession.signIn(tokens)} />
    </AuthShell>
  );
}
