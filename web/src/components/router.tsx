import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

/** A tiny history-API router: the console has a handful of flat pages. */
const Context = createContext<{ path: string; navigate(to: string): void }>({ path: '/', navigate: () => {} });

export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const onPop = () => setPath(location.pathname + location.search);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string) => {
    if (to === location.pathname + location.search) return;
    history.pushState(null, '', to);
    setPath(to);
    scrollTo(0, 0);
  };
  return <Context.Provider value={{ path, navigate }}>{children}</Context.Provider>;
}

export const useRouter = () => useContext(Context);

export function Link({ to, className, children }: { to: string; className?: string; children: ReactNode }) {
  const { navigate } = useRouter();
  return (
    <a
      href={to}
      className={className}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
