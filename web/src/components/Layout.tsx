import { Link, NavLink, Outlet, useLocation } from 'react-router-dom';

interface NavItem {
  to: string;
  label: string;
  /** Other exact paths that render the same page (e.g. the index route). */
  aliases?: string[];
}

/** Left navigation. Add an entry here when a page actually exists. */
const NAV_ITEMS: NavItem[] = [{ to: '/status', label: 'Status', aliases: ['/'] }];

export function Layout() {
  const { pathname } = useLocation();

  return (
    <div className="app">
      <header className="app-header">
        <Link className="brand" to="/">
          <span className="brand-mark" aria-hidden="true">
            A
          </span>
          <span className="brand-name">AdPilot</span>
        </Link>
      </header>
      <nav className="app-nav" aria-label="Main">
        <ul>
          {NAV_ITEMS.map((item) => (
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
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  );
}
