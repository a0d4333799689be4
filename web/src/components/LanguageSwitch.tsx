import { languages, useI18n } from '../i18n.tsx';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <fieldset className="langs">
      <legend className="visually-hidden">{t('common.language')}</legend>
      {languages.map((l) => (
        <button
          type="button"
          key={l.id}
          lang={l.id}
          className={l.id === language ? 'on' : ''}
          aria-pressed={l.id === language}
          onClick={() => setLanguage(l.id)}
        >
          {l.label}
        </button>
      ))}
    </fieldset>
  );
}
