import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useAccounts, useConnectorScope } from '../api/connectorQueries';
import { listConnections } from '../api/connectors';
import { useActiveOrg } from '../api/queries';
import { EmptyState } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import './connectors.css';
import { AccountsTable } from './accounts/AccountsTable';
import { ConnectionsCard } from './accounts/ConnectionsCard';
import { LinkResultBanner } from './accounts/LinkResultBanner';
import { PlatformsCard } from './accounts/PlatformsCard';

/** Ad accounts: link platform logins, watch their token health, and sync their ad accounts. */
export function AccountsPage() {
  useDocumentTitle('Ad accounts');
  const { org } = useActiveOrg();
  const { orgId, keys, canEdit } = useConnectorScope();
  const connections = useQuery({
    queryKey: keys.connections,
    queryFn: ({ signal }) => listConnections(signal),
    enabled: orgId !== null,
  });
  const accounts = useAccounts();

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Ad accounts</h1>
          <p className="muted">
            Ad platform logins and ad accounts of {org ? <strong>{org.name}</strong> : 'the active organisation'}.
          </p>
        </div>
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <>
          <LinkResultBanner connections={connections.data} />
          <PlatformsCard connections={connections.data} canEdit={canEdit} />
          <ConnectionsCard connections={connections} canEdit={canEdit} />
          <AccountsTable accounts={accounts} canEdit={canEdit} />
        </>
      )}
    </section>
  );
}
