import { Link } from 'react-router';
import { PageHeader } from '../components/PageHeader';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is no console page here. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}
