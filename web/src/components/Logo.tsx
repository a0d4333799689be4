import { useI18n } from '../i18n.tsx';

export function Logo() {
  const { t } = useI18n();
  return (
    <div className="brand">
      <svg width="30" height="30" viewBox="0 0 32 32" aria-hidden="true">
        <path d="M16 2 4 6v9c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V6z" fill="#2f6fc0" />
        <path
          d="M11 16.5l3.5 3.5L21.5 12"
          stroke="#fff"
          strokeWidth="2.6"
          fill="none"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <div>
        <b>{t('app.name')}</b>
        <small>{t('app.subtitle')}</small>
      </div>
    </div>
  );
}
