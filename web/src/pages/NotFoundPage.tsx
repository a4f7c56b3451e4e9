import { Link } from 'react-router-dom';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Not found');
  return (
    <section className="page">
      <div className="page-header">
        <h1>Page not found</h1>
      </div>
      <p className="muted">
        There is nothing at this address. <Link to="/status">Go to Status</Link>.
      </p>
    </section>
  );
}
