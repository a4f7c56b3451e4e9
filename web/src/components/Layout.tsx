import { Menu } from 'lucide-react';
import { Suspense, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { isAdmin } from '../api/auth';
import { useActiveOrg, useMe } from '../api/queries';
import { authSession } from '../auth/session';
import { useAuth } from '../auth/useAuth';
import { LiveIndicator } from '../live/LiveIndicator';
import { OrgSwitcher } from './OrgSwitcher';
import { PageErrorBoundary } from './PageErrorBoundary';
import { LoadingState } from './States';

interface NavItem {
  to: string;
  label: string;
  /** Other exact paths that render the same page (e.g. the index route). */
  aliases?: string[];
  /** Shown only when signed in / only to admins of the active org. */
  auth?: 'user' | 'admin';
}

/** Left navigation. Add an entry here when a page actually exists. */
const NAV_ITEMS: NavItem[] = [
  { to: '/dashboard', label: 'Dashboard', auth: 'user' },
  { to: '/status', label: 'Status', aliases: ['/'] },
  { to: '/accounts', label: 'Ad accounts', auth: 'user' },
  { to: '/campaigns', label: 'Campaigns', auth: 'user' },
  { to: '/budgets', label: 'Budgets & alerts', auth: 'user' },
  { to: '/copy', label: 'AI copy', auth: 'user' },
  { to: '/brand-voice', label: 'Brand voice', auth: 'user' },
  { to: '/reports', label: 'Reports', auth: 'user' },
  { to: '/notifications', label: 'Notifications', auth: 'user' },
  { to: '/account', label: 'Security', auth: 'user' },
  { to: '/sessions', label: 'Sessions', auth: 'user' },
  { to: '/orgs', label: 'Organisations', auth: 'user' },
  { to: '/members', label: 'Members', auth: 'user' },
  { to: '/audit', label: 'Audit log', auth: 'admin' },
];

function UserMenu() {
  const me = useMe();
  const navigate = useNavigate();
  const [pending, setPending] = useState(false);

  const signOut = async () => {
    setPending(true);
    try {
      await authSession.logout();
    } finally {
      setPending(false);
    }
    navigate('/login', { replace: true });
  };

  return (
    <div className="user-menu">
      <span className="user-name" data-testid="current-user">
        {me.data ? (me.data.display_name ?? me.data.email) : ''}
      </span>
      <button
        type="button"
        className="button button-header"
        onClick={() => void signOut()}
        disabled={pending}
        aria-busy={pending || undefined}
      >
        {pending ? 'Signing out…' : 'Sign out'}
      </button>
    </div>
  );
}

export function Layout() {
  const { pathname } = useLocation();
  const { status } = useAuth();
  const { role } = useActiveOrg();
  const mainRef = useRef<HTMLElement>(null);
  const navToggleRef = useRef<HTMLButtonElement>(null);
  const firstRender = useRef(true);
  // Phone widths only (styles.css): the navigation is a disclosure under the header's Menu button.
  const [navOpen, setNavOpen] = useState(false);

  useEffect(() => setNavOpen(false), [pathname]);

  const closeNavOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !navOpen) return;
    setNavOpen(false);
    navToggleRef.current?.focus();
  };

  // After client-side navigation move focus to the new page, as a full page load would (unless the new
  // page already focused something of its own, e.g. the first field of a form).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    if (!mainRef.current?.contains(document.activeElement)) mainRef.current?.focus();
  }, [pathname]);

  const items = NAV_ITEMS.filter(
    (item) =>
      !item.auth || (status === 'authenticated' && (item.auth === 'user' || isAdmin(role))),
  );

  return (
    <div className={navOpen ? 'app nav-open' : 'app'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <button
          ref={navToggleRef}
          type="button"
          className="nav-toggle"
          aria-expanded={navOpen}
          aria-controls="app-nav"
          onClick={() => setNavOpen((open) => !open)}
          onKeyDown={closeNavOnEscape}
        >
          <Menu aria-hidden="true" size={20} />
          <span className="visually-hidden">Menu</span>
        </button>
        <Link className="brand" to="/">
          <span className="brand-mark" aria-hidden="true">
            A
          </span>
          <span className="brand-name">AdPilot</span>
        </Link>
        <div className="header-end">
          {status === 'authenticated' ? (
            <>
              <LiveIndicator />
              <OrgSwitcher />
              <UserMenu />
            </>
          ) : status === 'anonymous' ? (
            <nav className="header-links" aria-label="Account">
              <Link className="header-link" to="/login">
                Sign in
              </Link>
              <Link className="button button-header" to="/signup">
                Create account
              </Link>
            </nav>
          ) : null}
        </div>
      </header>
      <nav className="app-nav" id="app-nav" aria-label="Main" onKeyDown={closeNavOnEscape}>
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <NavLink
                to={item.to}
                className={({ isActive }) =>
                  isActive || item.aliases?.includes(pathname) ? 'nav-link active' : 'nav-link'
                }
              >
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="app-main" id="main" ref={mainRef} tabIndex={-1}>
        <PageErrorBoundary key={pathname}>
          <Suspense fallback={<LoadingState />}>
            <Outlet />
          </Suspense>
        </PageErrorBoundary>
      </main>
    </div>
  );
}
