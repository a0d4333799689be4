/**
 * Pieces the console's pages share: a table in its labelled, keyboard-reachable box with its
 * loading and empty states, a labelled form field, and the notice that shows a new API key once.
 */
import type { CSSProperties, ReactNode } from 'react';
import { useI18n } from '../i18n.tsx';
import { TableBox, TableState } from './ui.tsx';

/**
 * A table in a TableBox named `label`: `head` are the header cells, `children` the body rows. With
 * `count`, the loading and empty states follow the table (`data` undefined while loading).
 */
export function DataTable({
  label,
  head,
  children,
  data,
  count,
  empty,
  className,
  style,
}: {
  label: string;
  head: ReactNode;
  children: ReactNode;
  data?: unknown;
  count?: number;
  empty?: string;
  className?: string;
  style?: CSSProperties;
}) {
  return (
    <>
      <TableBox label={label}>
        <table className={className} style={style}>
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </TableBox>
      {count !== undefined && <TableState data={data} count={count} empty={empty} />}
    </>
  );
}

/** A form field: its label's text above the input, select or textarea it names. */
export function Field({ label, children, style }: { label: string; children: ReactNode; style?: CSSProperties }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child every caller passes
    <label className="field" style={style}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A newly issued API key, shown once (with its owner when the page lists several). */
export function IssuedKey({ apiKey, owner }: { apiKey: string; owner?: string }) {
  const { t } = useI18n();
  return (
    <div className="notice ok" style={{ marginTop: 12 }}>
      {owner !== undefined && `${owner}: `}
      {t('operators.newKey')}
      <div className="secret" data-new-key>
        {apiKey}
      </div>
    </div>
  );
}
