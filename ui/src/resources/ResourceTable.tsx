// A list of resources as a table; on a phone each row becomes a card (CSS, data-label).
import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

interface Props<T> {
  label: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (row: T) => string;
  empty: ReactNode;
  loading?: boolean;
}

export default function ResourceTable<T>({ label, columns, rows, rowKey, empty, loading }: Props<T>) {
  if (!rows) return <p className="muted">{loading ? "Loading…" : ""}</p>;
  if (rows.length === 0) return <div className="panel muted">{empty}</div>;
  return (
    <table className="rs-table rs-list" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header} scope="col" className={c.className}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((c) => (
              <td key={c.header} data-label={c.header} className={c.className}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
