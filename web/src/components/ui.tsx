import type { ReactNode } from 'react';
import { errorText } from '../errors.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';

export function Panel({
  title,
  actions,
  children,
  flush,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  flush?: boolean;
}) {
  return (
    <section className="panel">
      {(title || actions) && (
        <header>
          <h2>{title}</h2>
          <div className="toolbar">{actions}</div>
        </header>
      )}
      {flush ? children : <div className="body">{children}</div>}
    </section>
  );
}

export function VerdictBadge({ verdict, shadow }: { verdict: string; shadow?: boolean }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${verdict}`}>
      {t(`verdict.${verdict}` as MessageKey)}
      {shadow ? ` · ${t('decisions.shadow')}` : ''}
    </span>
  );
}

export function Reasons({ reasons }: { reasons: string[] }) {
  return (
    <span style={{ display: 'inline-flex', gap: 4, flexWrap: 'wrap' }}>
      {reasons.map((r) => (
        <span key={r} className="badge reason">
          {r}
        </span>
      ))}
    </span>
  );
}

/** An error in the console's language: the text of its code, the server's detail where it helps, the code. */
export function ErrorNotice({ error }: { error?: Error }) {
  const { t } = useI18n();
  if (!error) return null;
  const { text, detail, code } = errorText(t, error);
  return (
    <div className="notice error" data-error-code={code}>
      {text}
      {detail && <span data-error-detail>: {detail}</span>}
      {code && <span className="muted mono"> ({code})</span>}
    </div>
  );
}

export function Drawer({ title, onClose, children }: { title: ReactNode; onClose(): void; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="drawer-back">
      <dialog open className="drawer" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <header>
          <h2>{title}</h2>
          <button type="button" className="btn ghost small" onClick={onClose}>
            {t('common.close')}
          </button>
        </header>
        <div className="body">{children}</div>
      </dialog>
    </div>
  );
}

export function Bars({ items, tone }: { items: { name: string; value: number }[]; tone?: 'block' }) {
  const { number, t } = useI18n();
  const max = Math.max(1, ...items.map((i) => i.value));
  if (items.length === 0) return <div className="empty">{t('common.empty')}</div>;
  return (
    <div className="bars">
      {items.map((i) => (
        <div className="row" key={i.name}>
          <div className="name" title={i.name}>
            {i.name}
          </div>
          <div className="track">
            <div className={`fill ${tone ?? ''}`} style={{ width: `${(i.value / max) * 100}%` }} />
          </div>
          <div className="num mono" style={{ textAlign: 'right' }}>
            {number(i.value)}
          </div>
        </div>
      ))}
    </div>
  );
}
