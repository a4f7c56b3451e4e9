import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Route, Routes } from 'react-router-dom';
import { AuthProvider } from './auth/AuthProvider';
import { GuestOnly, RequireAuth } from './auth/guards';
import { Layout } from './components/Layout';
import { LoadingState } from './components/States';
import { AcceptInvitationPage } from './pages/auth/AcceptInvitationPage';
import { ForgotPasswordPage } from './pages/auth/ForgotPasswordPage';
import { ResetPasswordPage } from './pages/auth/ResetPasswordPage';
import { SignInPage } from './pages/auth/SignInPage';
import { SignUpPage } from './pages/auth/SignUpPage';
import { VerifyEmailPage } from './pages/auth/VerifyEmailPage';
import { AccountsPage } from './pages/AccountsPage';
import { AuditPage } from './pages/AuditPage';
import { BrandVoicePage } from './pages/BrandVoicePage';
import { CampaignsPage } from './pages/CampaignsPage';
import { CopyStudioPage } from './pages/CopyStudioPage';
import { MembersPage } from './pages/MembersPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { OrgsPage } from './pages/OrgsPage';
import { ReportsPage } from './pages/ReportsPage';
import { SecurityPage } from './pages/SecurityPage';
import { SessionsPage } from './pages/SessionsPage';
import { StatusPage } from './pages/StatusPage';
import { createQueryClient } from './queryClient';

// The chart screens load on first visit: Recharts and the Radix primitives stay out of the main bundle.
const DashboardPage = lazy(() => import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const CampaignDetailPage = lazy(() =>
  import('./pages/CampaignDetailPage').then((m) => ({ default: m.CampaignDetailPage })),
);
const BudgetsPage = lazy(() => import('./pages/BudgetsPage').then((m) => ({ default: m.BudgetsPage })));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingState />}>{children}</Suspense>;
}

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
          <Route path="dashboard" element={<Lazy><DashboardPage /></Lazy>} />
          <Route path="campaigns" element={<CampaignsPage />} />
          <Route path="campaigns/:campaignId" element={<Lazy><CampaignDetailPage /></Lazy>} />
          <Route path="budgets" element={<Lazy><BudgetsPage /></Lazy>} />
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
