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

export function Link({
  to,
  className,
  children,
  title,
  current,
}: {
  to: string;
  className?: string;
  children: ReactNode;
  title?: string;
  /** The link to the page on screen (`aria-current="page"`). */
  current?: boolean;
}) {
  const { navigate } = useRouter();
  return (
    <a
      href={to}
      className={className}
      title={title}
      aria-current={current ? 'page' : undefined}
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
