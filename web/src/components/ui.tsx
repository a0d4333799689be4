import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { errorText } from '../errors.ts';
import type { Fact } from '../facts.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';
import { reasonLabel } from '../messages.ts';

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
    <span className={`badge ${verdict}`} title={verdict}>
      {t(`verdict.${verdict}` as MessageKey)}
      {shadow ? ` · ${t('decisions.shadow')}` : ''}
    </span>
  );
}

/** A screening reason: its label in the console's language, the code in the tooltip. */
export function ReasonBadge({ code }: { code: string }) {
  const { language } = useI18n();
  return (
    <span className="badge reason named" title={code} data-reason={code}>
      {reasonLabel(code, language)}
    </span>
  );
}

export function Reasons({ reasons }: { reasons: string[] }) {
  return (
    <span style={{ display: 'inline-flex', gap: 4, flexWrap: 'wrap' }}>
      {reasons.map((r) => (
        <ReasonBadge key={r} code={r} />
      ))}
    </span>
  );
}

/** An error in the console's language: the text of its code, the server's detail where it helps, the code. */
/**
 * A filter's select: "all" (the empty value) and the options; an option shows its label and
 * sends its value.
 */
export function FilterSelect({
  label,
  name,
  value,
  onChange,
  options,
  title,
  maxWidth,
}: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  options: { value: string; label: string; title?: string }[];
  title?: string;
  maxWidth?: number;
}) {
  const { t } = useI18n();
  return (
    <label className="field">
      <span>{label}</span>
      <select
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        title={title}
        style={maxWidth ? { maxWidth } : undefined}
      >
        <option value="">{t('common.all')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

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

/**
 * A side panel over the page. It takes the focus when it opens (so a screen reader reads it and
 * Tab stays inside), Escape or the close button closes it, and the focus then returns to what
 * opened it (the table row).
 */
export function Drawer({ title, onClose, children }: { title: ReactNode; onClose(): void; children: ReactNode }) {
  const { t } = useI18n();
  const titleId = useId();
  const panel = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    panel.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      // The opener may have gone (a decided alert leaves the list): then the page keeps the focus.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  /** Tab from the last control goes back to the first, and Shift+Tab the other way. */
  const trap = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !panel.current) return;
    const focusable = [
      ...panel.current.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]',
      ),
    ];
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && (document.activeElement === first || document.activeElement === panel.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div className="drawer-back">
      <dialog
        open
        className="drawer"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        ref={panel}
        onKeyDown={trap}
      >
        <header>
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="btn ghost small" onClick={onClose}>
            {t('common.close')}
          </button>
        </header>
        <div className="body">{children}</div>
      </dialog>
    </div>
  );
}

/** Horizontal bars; an item's `title` (a code behind a label) shows as the name's tooltip. */
export function Bars({
  items,
  tone,
  loading,
}: {
  items: { id?: string; name: string; title?: string; value: number }[];
  tone?: 'block';
  /** The figures are still on their way. */
  loading?: boolean;
}) {
  const { number, t } = useI18n();
  const max = Math.max(1, ...items.map((i) => i.value));
  if (loading) return <Loading />;
  if (items.length === 0) return <div className="empty">{t('common.empty')}</div>;
  return (
    <div className="bars">
      {items.map((i) => (
        <div className="row" key={i.id ?? i.name} data-bar={i.id ?? i.name}>
          <div className="name" title={i.title ?? i.name}>
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

/**
 * A table's box: the table scrolls sideways inside it on a narrow screen, never the page. The box
 * can take the focus so that keyboard users can scroll it too.
 */
export function TableBox({ label, children, maxHeight }: { label: string; children: ReactNode; maxHeight?: number }) {
  return (
    <section
      className="table-box"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
      tabIndex={0}
      aria-label={label}
      style={maxHeight ? { maxHeight, overflowY: 'auto' } : undefined}
    >
      {children}
    </section>
  );
}

/** What shows while a page's data is on its way. */
export function Loading() {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" data-loading>
      {t('common.loading')}
    </div>
  );
}

/**
 * A table's body state: a loading indicator until the data came, a sentence when there is none.
 * Returns null once there are rows to show.
 */
export function TableState({ data, count, empty }: { data: unknown; count: number; empty?: string }) {
  const { t } = useI18n();
  if (data === undefined) return <Loading />;
  if (count === 0)
    return (
      <div className="empty" data-empty>
        {empty ?? t('common.empty')}
      </div>
    );
  return null;
}

/** A table row that opens something: by a click, or by Enter or Space once reached by Tab. */
export function openableRow(open: () => void) {
  return {
    className: 'click',
    tabIndex: 0,
    onClick: open,
    onKeyDown: (e: KeyboardEvent<HTMLTableRowElement>) => {
      if (e.target !== e.currentTarget) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    },
  };
}

/**
 * Labelled facts (an alert's evidence, an audit entry): a value beside its label; a record or list
 * under its label with its parts indented below, an item's own value (a trait's strength) kept
 * beside the label. Each top-level fact carries `data-<attribute>` with its key, nested ones
 * `data-part`.
 */
export function FactList({
  facts,
  attribute,
  nested = false,
}: {
  facts: Fact[];
  attribute?: string;
  nested?: boolean;
}) {
  return (
    <dl className={nested ? 'kv nested' : 'kv'} style={nested ? undefined : { marginTop: 12 }}>
      {facts.map((fact) => {
        const parts = fact.rows && fact.rows.length > 0 ? fact.rows : undefined;
        return (
          <div
            key={fact.key}
            {...{ [nested || !attribute ? 'data-part' : `data-${attribute}`]: fact.key }}
            className={parts ? (fact.text === undefined ? 'group' : 'group valued') : undefined}
            style={{ display: 'contents' }}
          >
            <dt title={fact.key}>{fact.label}</dt>
            {fact.text !== undefined && <dd className="value mono">{fact.text}</dd>}
            {parts && (
              <dd className="parts">
                <FactList facts={parts} nested />
              </dd>
            )}
          </div>
        );
      })}
    </dl>
  );
}
