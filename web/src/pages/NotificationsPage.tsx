import { Link, useSearchParams } from 'react-router-dom';
import { useNotifyScope } from '../api/notifyQueries';
import { EmptyState } from '../components/States';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../components/ui/tabs';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { DeliveryLog } from './notifications/DeliveryLog';
import { Destinations } from './notifications/Destinations';
import './notifications/notifications.css';
import { Preferences } from './notifications/Preferences';
import { Webhooks } from './notifications/Webhooks';

type Tab = 'destinations' | 'preferences' | 'webhooks' | 'deliveries';

const TABS: { value: Tab; label: string; adminOnly?: boolean }[] = [
  { value: 'destinations', label: 'Destinations' },
  { value: 'preferences', label: 'Preferences' },
  { value: 'webhooks', label: 'Webhooks', adminOnly: true },
  { value: 'deliveries', label: 'Delivery log' },
];

/**
 * Where notifications go (own verified addresses; the org's webhooks for admins), which events reach whom, and
 * the log of what was sent. The open tab is in the URL (`?tab=webhooks`), so it survives reloads and links.
 */
export function NotificationsPage() {
  useDocumentTitle('Notifications');
  const { orgId, org, admin } = useNotifyScope();
  const [params, setParams] = useSearchParams();
  const tabs = TABS.filter((t) => !t.adminOnly || admin);
  const requested = params.get('tab');
  const current = tabs.find((t) => t.value === requested)?.value ?? 'destinations';

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Notifications</h1>
          <p className="muted">
            Email, WhatsApp and Signal messages and webhooks for{' '}
            {org ? <strong>{org.name}</strong> : 'the active organisation'}.
          </p>
        </div>
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <Tabs
          value={current}
          onValueChange={(value) =>
            setParams(
              (prev) => {
                const next = new URLSearchParams(prev);
                if (value === 'destinations') next.delete('tab');
                else next.set('tab', value);
                return next;
              },
              { replace: true },
            )
          }
        >
          <TabsList aria-label="Notification settings">
            {tabs.map((t) => (
              <TabsTrigger key={t.value} value={t.value}>
                {t.label}
              </TabsTrigger>
            ))}
          </TabsList>
          <TabsContent value="destinations">
            <Destinations />
          </TabsContent>
          <TabsContent value="preferences">
            <Preferences />
          </TabsContent>
          {admin ? (
            <TabsContent value="webhooks">
              <Webhooks />
            </TabsContent>
          ) : null}
          <TabsContent value="deliveries">
            <DeliveryLog />
          </TabsContent>
        </Tabs>
      )}
    </section>
  );
}
