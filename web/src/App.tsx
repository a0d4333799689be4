import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, api, setUnauthorizedHandler } from './api/client.ts';
import type { Me, Role } from './api/types.ts';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { Logo } from './components/Logo.tsx';
import { Link, useRouter } from './components/router.tsx';
import { type MessageKey, useI18n } from './i18n.tsx';
import { AlertsPage } from './pages/Alerts.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { CasePage } from './pages/cases/CasePage.tsx';
import { CasesPage } from './pages/cases/CasesPage.tsx';
import { CompliancePage } from './pages/compliance/CompliancePage.tsx';
import { OverdueBadge } from './pages/compliance/OverdueBadge.tsx';
import { DecisionsPage } from './pages/Decisions.tsx';
import { IncidentsPage } from './pages/Incidents.tsx';
import { ListsPage } from './pages/Lists.tsx';
import { ChangePasswordPage, LoginPage } from './pages/Login.tsx';
import { LookupPage } from './pages/Lookup.tsx';
import { MapPage } from './pages/Map.tsx';
import { OperatorsPage } from './pages/Operators.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { ReportsPage } from './pages/reports/ReportsPage.tsx';
import { UsersPage } from './pages/Users.tsx';
import { can, SessionContext } from './session.tsx';

const icon = (d: string) => (
  <svg
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    strokeWidth="1.8"
    strokeLinecap="round"
    strokeLinejoin="round"
    aria-hidden="true"
  >
    <path d={d} />
  </svg>
);

interface PageDef {
  path: string;
  title: MessageKey;
  icon: ReactNode;
  allowed(role: Role): boolean;
  render(rest: string): ReactNode;
  /** Shown beside the link (e.g. a count needing attention). */
  badge?: () => ReactNode;
}

const pages: PageDef[] = [
  {
    path: '/',
    title: 'nav.overview',
    icon: icon('M3 12h4l3-8 4 16 3-8h4'),
    allowed: () => true,
    render: () => <OverviewPage />,
  },
  {
    path: '/decisions',
    title: 'nav.decisions',
    icon: icon('M4 6h16M4 12h16M4 18h10'),
    allowed: can.seePersonalData,
    render: () => <DecisionsPage />,
  },
  {
    path: '/alerts',
    title: 'nav.alerts',
    icon: icon('M12 3l9 16H3zM12 10v4M12 17h.01'),
    allowed: can.seePersonalData,
    render: () => <AlertsPage />,
  },
  {
    path: '/cases',
    title: 'nav.cases',
    icon: icon('M3 7h18v13H3zM8 7V4h8v3M3 12h18'),
    allowed: can.investigate,
    render: (rest) => (rest ? <CasePage id={decodeURIComponent(rest)} /> : <CasesPage />),
  },
  {
    path: '/incidents',
    title: 'nav.incidents',
    icon: icon('M12 2 3 7v2h18V7zM5 10v8M9.5 10v8M14.5 10v8M19 10v8M3 21h18'),
    allowed: can.actOnAlerts,
    render: () => <IncidentsPage />,
  },
  {
    path: '/lookup',
    title: 'nav.lookup',
    icon: icon('M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM21 21l-5-5'),
    allowed: can.seePersonalData,
    render: (rest) => <LookupPage number={rest ? decodeURIComponent(rest) : undefined} />,
  },
  {
    path: '/lists',
    title: 'nav.lists',
    icon: icon('M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01'),
    allowed: () => true,
    render: () => <ListsPage />,
  },
  {
    path: '/operators',
    title: 'nav.operators',
    icon: icon('M4 20V10M10 20V4M16 20v-7M22 20H2'),
    allowed: () => true,
    render: () => <OperatorsPage />,
  },
  {
    path: '/map',
    title: 'nav.map',
    icon: icon('M9 4 3 6v14l6-2 6 2 6-2V4l-6 2zM9 4v14M15 6v14'),
    allowed: can.seePersonalData,
    render: () => <MapPage />,
  },
  {
    path: '/audit',
    title: 'nav.audit',
    icon: icon('M12 3 4 6v6c0 5 3.4 8.3 8 9 4.6-.7 8-4 8-9V6zM9 12l2 2 4-4'),
    allowed: can.audit,
    render: () => <AuditPage />,
  },
  {
    path: '/users',
    title: 'nav.users',
    icon: icon(
      'M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M9 10a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 19v-1a4 4 0 0 0-3-3.9M16 2.1a4 4 0 0 1 0 7.8',
    ),
    allowed: can.admin,
    render: () => <UsersPage />,
  },
  {
    path: '/compliance',
    title: 'nav.compliance',
    icon: icon('M9 11l3 3 8-8M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9'),
    allowed: can.seePersonalData,
    render: () => <CompliancePage />,
    badge: () => <OverdueBadge />,
  },
  {
    path: '/reports',
    title: 'nav.reports',
    icon: icon('M4 4h16v12H7l-3 3zM8 8h8M8 12h5'),
    allowed: can.actOnAlerts,
    render: () => <ReportsPage />,
  },
];

function match(path: string): { page: PageDef; rest: string } {
  const pathname = path.split('?')[0];
  for (const page of pages) {
    if (page.path === '/' ? pathname === '/' : pathname === page.path || pathname.startsWith(`${page.path}/`)) {
      return { page, rest: pathname.slice(page.path.length + 1) };
    }
  }
  return { page: pages[0], rest: '' };
}

function Shell({ me, onLogout }: { me: Me; onLogout(): void }) {
  const { t } = useI18n();
  const { path } = useRouter();
  const { page, rest } = match(path);
  const role = me.user.role;
  const allowed = page.allowed(role);
  useEffect(() => {
    document.title = `${t(page.title)} · callshield`;
  }, [page, t]);
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        {t('nav.skip')}
      </a>
      <aside className="side">
        <Logo />
        <nav className="nav" aria-label={t('nav.main')}>
          {pages
            .filter((p) => p.allowed(role))
            .map((p) => (
              <Link
                key={p.path}
                to={p.path}
                className={p === page ? 'active' : ''}
                current={p === page}
                title={t(p.title)}
              >
                {p.icon}
                <span className="nav-label">{t(p.title)}</span>
                {p.badge?.()}
              </Link>
            ))}
        </nav>
        <div className="side-foot">
          <div className="who" data-user={me.user.username}>
            {me.user.displayName}
          </div>
          <div>
            {t(`role.${role}` as MessageKey)}
            {me.user.operatorId ? ` · ${me.user.operatorId}` : ''}
          </div>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <h1>{t(page.title)}</h1>
          <div className="right">
            <span className="topbar-who" aria-hidden="true">
              {me.user.displayName}
            </span>
            <LanguageSwitch />
            <button type="button" className="btn ghost small" onClick={onLogout}>
              {t('nav.logout')}
            </button>
          </div>
        </header>
        <main className="content" id="content" tabIndex={-1}>
          {allowed ? page.render(rest) : <div className="notice error">{t('common.forbidden')}</div>}
        </main>
      </div>
    </div>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  // A session that ended under an open page (idle or absolute expiry): the page stays mounted
  // behind the login, so what the analyst was typing survives signing in again as the same user.
  const [expired, setExpired] = useState(false);
  const refresh = useCallback(async () => {
    try {
      setMe(await api.me());
      setExpired(false);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else throw error;
    }
  }, []);
  useEffect(() => {
    setUnauthorizedHandler(() => setExpired(true));
    void refresh();
  }, [refresh]);
  if (me === undefined) return null;
  if (me === null) return <LoginPage onLoggedIn={() => void refresh()} />;
  if (me.mustChangePassword) return <ChangePasswordPage onChanged={() => void refresh()} />;
  return (
    <SessionContext.Provider value={{ me, refresh }}>
      {/* Keyed by user: someone else signing in starts from a clean page, never another's drafts. */}
      <div key={me.user.username} className="session-holder" inert={expired}>
        <Shell
          me={me}
          onLogout={() => {
            void api.logout().finally(() => {
              setExpired(false);
              setMe(null);
            });
          }}
        />
      </div>
      {expired && (
        <div className="session-expired" data-session-expired>
          <LoginPage onLoggedIn={() => void refresh()} />
        </div>
      )}
    </SessionContext.Provider>
  );
}
