import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, useState, type ComponentType } from 'react';
import { Route, Routes } from 'react-router-dom';
import { AuthProvider } from './auth/AuthProvider';
import { GuestOnly, RequireAuth } from './auth/guards';
import { Layout } from './components/Layout';
import { NotFoundPage } from './pages/NotFoundPage';
import { createQueryClient } from './queryClient';

/** A page as its own chunk, fetched on first visit: the main bundle holds only the shell (providers, router,
 * layout). The Layout's Suspense shows a spinner under the navigation meanwhile. */
function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const AcceptInvitationPage = lazyPage(() => import('./pages/auth/AcceptInvitationPage'), 'AcceptInvitationPage');
const ForgotPasswordPage = lazyPage(() => import('./pages/auth/ForgotPasswordPage'), 'ForgotPasswordPage');
const ResetPasswordPage = lazyPage(() => import('./pages/auth/ResetPasswordPage'), 'ResetPasswordPage');
const SignInPage = lazyPage(() => import('./pages/auth/SignInPage'), 'SignInPage');
const SignUpPage = lazyPage(() => import('./pages/auth/SignUpPage'), 'SignUpPage');
const VerifyEmailPage = lazyPage(() => import('./pages/auth/VerifyEmailPage'), 'VerifyEmailPage');
const AccountsPage = lazyPage(() => import('./pages/AccountsPage'), 'AccountsPage');
const AuditPage = lazyPage(() => import('./pages/AuditPage'), 'AuditPage');
const BrandVoicePage = lazyPage(() => import('./pages/BrandVoicePage'), 'BrandVoicePage');
const BudgetsPage = lazyPage(() => import('./pages/BudgetsPage'), 'BudgetsPage');
const CampaignDetailPage = lazyPage(() => import('./pages/CampaignDetailPage'), 'CampaignDetailPage');
const CampaignsPage = lazyPage(() => import('./pages/CampaignsPage'), 'CampaignsPage');
const CopyStudioPage = lazyPage(() => import('./pages/CopyStudioPage'), 'CopyStudioPage');
const DashboardPage = lazyPage(() => import('./pages/DashboardPage'), 'DashboardPage');
const MembersPage = lazyPage(() => import('./pages/MembersPage'), 'MembersPage');
const NotificationsPage = lazyPage(() => import('./pages/NotificationsPage'), 'NotificationsPage');
const OrgsPage = lazyPage(() => import('./pages/OrgsPage'), 'OrgsPage');
const ReportsPage = lazyPage(() => import('./pages/ReportsPage'), 'ReportsPage');
const SecurityPage = lazyPage(() => import('./pages/SecurityPage'), 'SecurityPage');
const SessionsPage = lazyPage(() => import('./pages/SessionsPage'), 'SessionsPage');
const StatusPage = lazyPage(() => import('./pages/StatusPage'), 'StatusPage');

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<StatusPage />} />
        <Route path="status" element={<StatusPage />} />

        <Route element={<GuestOnly />}>
          <Route path="login" element={<SignInPage />} />
          <Route path="signup" element={<SignUpPage />} />
        </Route>
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
        <Route path="reset-password" element={<ResetPasswordPage />} />
        <Route path="verify-email" element={<VerifyEmailPage />} />

        <Route element={<RequireAuth />}>
          <Route path="account" element={<SecurityPage />} />
          <Route path="sessions" element={<SessionsPage />} />
          <Route path="orgs" element={<OrgsPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="accounts" element={<AccountsPage />} />
          <Route path="dashboard" element={<DashboardPage />} />
          <Route path="campaigns" element={<CampaignsPage />} />
          <Route path="campaigns/:campaignId" element={<CampaignDetailPage />} />
          <Route path="budgets" element={<BudgetsPage />} />
          <Route path="reports" element={<ReportsPage />} />
          <Route path="copy" element={<CopyStudioPage />} />
          <Route path="brand-voice" element={<BrandVoicePage />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="invitations/accept" element={<AcceptInvitationPage />} />
        </Route>

        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The whole app minus the router (main.tsx adds BrowserRouter, tests a MemoryRouter). */
export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </QueryClientProvider>
  );
}
