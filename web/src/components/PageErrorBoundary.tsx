import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  children: ReactNode;
}

interface State {
  error: unknown;
}

/**
 * Catches what a page throws while rendering, so the navigation stays usable. The common case: a page's chunk
 * cannot be fetched because a newer version was deployed while this tab was open (its old chunk files are
 * gone) or the network dropped; reloading fetches the current version. Layout keys it by path, so moving to
 * another page starts afresh.
 */
export class PageErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('page failed to render', error, info.componentStack);
  }

  render() {
    if (this.state.error === null) return this.props.children;
    return (
      <ErrorBanner heading="This page could not be shown" error={this.state.error}>
        <p>
          If AdPilot was just updated, reloading loads the new version.{' '}
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </p>
      </ErrorBanner>
    );
  }
}
