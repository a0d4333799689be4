import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Logo } from '../components/Logo.tsx';
import { errorLine } from '../errors.ts';
import { useI18n } from '../i18n.tsx';

export function LoginPage({ onLoggedIn }: { onLoggedIn(): void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The page has one thing to do: the cursor waits in the user name field.
  const usernameField = useRef<HTMLInputElement>(null);
  useEffect(() => usernameField.current?.focus(), []);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.login(username, password);
      onLoggedIn();
    } catch (err) {
      setError(errorLine(t, err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit}>
        <div style={{ display: 'flex', justifyContent: 'flex-end' }}>
          <LanguageSwitch />
        </div>
        <Logo />
        <h1>{t('login.title')}</h1>
        {error && <div className="notice error">{error}</div>}
        <label className="field">
          <span>{t('login.username')}</span>
          <input
            name="username"
            ref={usernameField}
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button className="btn" type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </div>
  );
}

export function ChangePasswordPage({ onChanged }: { onChanged(): void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string>();
  const currentField = useRef<HTMLInputElement>(null);
  useEffect(() => currentField.current?.focus(), []);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== repeat) return setError(t('password.mismatch'));
    try {
      await api.changePassword(current, next);
      onChanged();
    } catch (err) {
      // Here a wrong password is the current one, not a wrong sign-in.
      setError(
        err instanceof ApiError && err.code === 'INVALID_CREDENTIALS' ? t('password.wrongCurrent') : errorLine(t, err),
      );
    }
  }
  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit}>
        <Logo />
        <h1>{t('password.title')}</h1>
        <div className="notice">{t('password.hint')}</div>
        {error && <div className="notice error">{error}</div>}
        <label className="field">
          <span>{t('password.current')}</span>
          <input
            name="current"
            ref={currentField}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>{t('password.new')}</span>
          <input
            name="new"
            type="password"
            autoComplete="new-password"
            minLength={12}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        </label>
        <label className="field">
          <span>{t('password.repeat')}</span>
          <input
            name="repeat"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            required
          />
        </label>
        <button className="btn" type="submit">
          {t('password.submit')}
        </button>
      </form>
    </div>
  );
}
