import { languages, useI18n } from '../i18n.tsx';

export function LanguageSwitch() {
  const { language, setLanguage } = useI18n();
  return (
    <div className="langs">
      {languages.map((l) => (
        <button type="button" key={l.id} className={l.id === language ? 'on' : ''} onClick={() => setLanguage(l.id)}>
          {l.label}
        </button>
      ))}
    </div>
  );
}
