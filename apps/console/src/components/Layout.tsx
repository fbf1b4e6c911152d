import { Outlet } from 'react-router';
import { Header } from './Header';
import { SideNav } from './SideNav';

export function Layout() {
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <div className="body">
        <SideNav />
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
