import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { isAdmin } from '../api/auth';
import { brandVoiceKey, getBrandVoice, type BrandVoice } from '../api/brandVoice';
import { useActiveOrg } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { Time } from '../components/Time';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import './copy/BrandVoice.css';
import { TermList } from './copy/BrandVoiceTerms';
import { BrandVoiceForm } from './copy/BrandVoiceForm';

function Version({ voice }: { voice: BrandVoice }) {
  if (voice.version === 0) return <span data-testid="brand-voice-version">Not set yet</span>;
  return (
    <span data-testid="brand-voice-version">
      Version {voice.version}
      {voice.updated_at ? (
        <>
          {' '}
          · updated <Time iso={voice.updated_at} relative />
        </>
      ) : null}
    </span>
  );
}

/** What members and viewers see: the voice as generation uses it. */
function BrandVoiceView({ voice }: { voice: BrandVoice }) {
  return (
    <dl className="brand-view">
      <dt>Voice</dt>
      <dd className="pre-wrap">{voice.voice || <span className="muted">Not described.</span>}</dd>
      <dt>Guidelines</dt>
      <dd className="pre-wrap">{voice.guidelines || <span className="muted">None.</span>}</dd>
      <dt>Banned terms</dt>
      <dd>
        <TermList terms={voice.banned_terms} label="Banned terms" />
      </dd>
      <dt>Always banned</dt>
      <dd>
        <TermList terms={voice.default_banned_terms} label="Always banned terms" muted />
      </dd>
    </dl>
  );
}

/** The org's brand voice for AI copy: everyone reads it, admins set it. */
export function BrandVoicePage() {
  useDocumentTitle('Brand voice');
  const { orgId, org, role } = useActiveOrg();
  const admin = isAdmin(role);
  const voice = useQuery({
    queryKey: brandVoiceKey(orgId),
    queryFn: ({ signal }) => getBrandVoice(signal),
    enabled: orgId !== null,
  });

  let body;
  if (voice.isPending) body = <LoadingState label="Loading the brand voice…" />;
  else if (voice.isError) body = <ErrorBanner heading="Could not load the brand voice" error={voice.error} />;
  else if (admin) body = <BrandVoiceForm key={orgId} current={voice.data} orgId={orgId} />;
  else
    body = (
      <>
        <BrandVoiceView voice={voice.data} />
        <p className="muted small">Only admins can change the brand voice.</p>
      </>
    );

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Brand voice</h1>
          <p className="muted">
            How <Link to="/copy">AI copy</Link> writes for {org ? <strong>{org.name}</strong> : 'the active organisation'}:
            its tone, guidelines and words it must never use.
          </p>
        </div>
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <Card
          title="Brand voice"
          description={voice.data ? <Version voice={voice.data} /> : undefined}
          testId="brand-voice"
        >
          {body}
        </Card>
      )}
    </section>
  );
}
