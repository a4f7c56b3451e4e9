import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useActiveOrg, useOrgs, useSwitchOrg } from '../api/queries';
import { isApiError } from '../api/client';
import { describeError } from './ErrorBanner';

/** What auth answers a switch to an org that requires MFA, in a session without it (403 problem type). */
export const ORG_REQUIRES_MFA = 'https://adpilot.dev/problems/org-requires-mfa';

/** After a refused switch: where to set up two-factor authentication, when that is why. */
export function MfaEnrolLink({ error, onClick }: { error: unknown; onClick?: () => void }) {
  if (!isApiError(error) || error.type !== ORG_REQUIRES_MFA) return null;
  return (
    <Link to="/account" onClick={onClick}>
      Set up two-factor authentication
    </Link>
  );
}

/**
 * Header control showing the active organisation; opens a list of my organisations to switch to
 * (a disclosure: Escape or a click outside closes it, focus returns to the toggle).
 */
export function OrgSwitcher() {
  const orgs = useOrgs();
  const { orgId, org } = useActiveOrg();
  const switchOrg = useSwitchOrg();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    // Focus the active org (or the first one) when the list opens.
    const items = rootRef.current?.querySelectorAll<HTMLButtonElement>('[data-org-item]');
    const current = rootRef.current?.querySelector<HTMLButtonElement>('[aria-current="true"]');
    (current ?? items?.[0])?.focus();
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    toggleRef.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape' && open) {
      event.preventDefault();
      close();
      return;
    }
    if (!open || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
    const items = Array.from(rootRef.current?.querySelectorAll<HTMLElement>('[data-org-item]') ?? []);
    if (items.length === 0) return;
    event.preventDefault();
    const index = items.indexOf(document.activeElement as HTMLElement);
    const next = event.key === 'ArrowDown' ? index + 1 : index - 1;
    items[(next + items.length) % items.length]?.focus();
  };

  const choose = (id: string) => {
    close();
    if (id !== orgId) switchOrg.mutate(id);
  };

  const label = switchOrg.isPending
    ? 'Switching…'
    : (org?.name ?? (orgs.isLoading ? 'Loading…' : orgId ? 'Organisation' : 'No organisation'));

  return (
    <div
      className="org-switcher"
      ref={rootRef}
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tabbing out of the list closes it.
        if (open && !rootRef.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={toggleRef}
        type="button"
        className="org-toggle"
        aria-expanded={open}
        aria-controls={menuId}
        disabled={switchOrg.isPending}
        onClick={() => setOpen((v) => !v)}
      >
        <span className="visually-hidden">Organisation: </span>
        <span data-testid="current-org">{label}</span>
        <span className="org-caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {switchOrg.isError ? (
        <span className="header-error" role="alert">
          Could not switch: {describeError(switchOrg.error).detail ?? describeError(switchOrg.error).title}{' '}
          <MfaEnrolLink error={switchOrg.error} onClick={() => switchOrg.reset()} />
        </span>
      ) : null}
      <div id={menuId} className="org-menu" hidden={!open}>
        {orgs.isError ? (
          <p className="org-menu-note" role="alert">
            Could not load organisations.
          </p>
        ) : (
          <ul aria-label="Switch organisation">
            {(orgs.data ?? []).map((o) => (
              <li key={o.id}>
                <button
                  type="button"
                  className="org-item"
                  data-org-item
                  aria-current={o.id === orgId ? 'true' : undefined}
                  onClick={() => choose(o.id)}
                >
                  <span className="org-item-name">{o.name}</span>
                  <span className="org-item-role">{o.id === orgId ? `${o.role} · current` : o.role}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <Link className="org-menu-link" to="/orgs" onClick={() => setOpen(false)} data-org-item>
          Manage organisations
        </Link>
      </div>
    </div>
  );
}
