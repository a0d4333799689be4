import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { Router } from './components/router.tsx';
import { I18nProvider } from './i18n.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <Router>
          <App />
        </Router>
      </I18nProvider>
    </StrictMode>,
  );
}
