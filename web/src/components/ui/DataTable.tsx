import {
  createColumnHelper,
  createSortedRowModel,
  metaHelper,
  rowExpandingFeature,
  rowSelectionFeature,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
  type Column,
  type ColumnDef,
  type ColumnHelper,
  type Header,
  type OnChangeFn,
  type Row,
  type RowData,
  type RowSelectionState,
  type SortingState,
} from '@tanstack/react-table';
import { Fragment, useEffect, useId, useRef, useState, type ChangeEvent, type ReactNode, type RefObject } from 'react';
import { cn } from './cn';

/**
 * The shared list table of the SPA: TanStack Table (v9) owns the row model, sorting, selection and
 * expanded-detail state; this component owns the markup, the existing `.table` look and the accessibility
 * (sortable headers are buttons with aria-sort on their <th>, selection checkboxes carry labels).
 *
 * A table wider than its place scrolls sideways inside its own container (never the page); while it does, the
 * container is a named region in the tab order, so keyboard users can scroll it too.
 *
 * Column definitions must be stable (module scope or useMemo): TanStack renders a function `cell` as a React
 * component, so a new function on every render would remount the cell and lose its state (an open editor,
 * a running mutation).
 */

/** Per-column presentation, set as `meta` on a column definition. */
export interface DataColumnMeta {
  /** Classes for both the <th> and the <td>s of the column (e.g. "num"). */
  className?: string;
  headerClassName?: string;
  cellClassName?: string;
  /** The column's name when its header is not a plain string; used for data-label and hidden headers. */
  label?: string;
  /** Render the header for screen readers only (e.g. an actions column). */
  hideHeader?: boolean;
}

export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  rowSelectionFeature,
  rowExpandingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic, datetime: sortFn_datetime, text: sortFn_text },
  columnMeta: metaHelper<DataColumnMeta>(),
});

export type DataTableFeatures = typeof dataTableFeatures;
// `any` value type: a column list mixes value types (what TanStack's own `helper.columns()` returns).
export type DataColumnDef<TData extends RowData> = ColumnDef<DataTableFeatures, TData, any>;
export type DataRow<TData extends RowData> = Row<DataTableFeatures, TData>;

/** A column helper typed for DataTable's features. */
export function createDataColumnHelper<TData extends RowData>(): ColumnHelper<DataTableFeatures, TData> {
  return createColumnHelper<DataTableFeatures, TData>();
}

/** Attributes a list puts on a row or on the table: classes and data-* hooks for tests and CSS. */
export type DataAttributes = { className?: string } & { [key: `data-${string}`]: string | number | undefined };

export interface DataTableSorting {
  state: SortingState;
  onChange: OnChangeFn<SortingState>;
  /** The rows arrive sorted (by the server); the table only shows and changes the order. */
  manual?: boolean;
}

export interface DataTableSelection<TData extends RowData> {
  state: RowSelectionState;
  onChange: OnChangeFn<RowSelectionState>;
  /** Accessible name of a row's checkbox, e.g. "Select Spring sale". */
  rowLabel: (row: TData) => string;
  /** Accessible name of the header checkbox, e.g. "Select all campaigns on this page". */
  allLabel: string;
  canSelect?: (row: TData) => boolean;
}

export interface DataTableProps<TData extends RowData> {
  columns: DataColumnDef<TData>[];
  data: TData[];
  getRowId: (row: TData) => string;
  /** A caption names the table; without one, pass `aria-label`. Hidden unless captionClassName says otherwise. */
  caption?: ReactNode;
  captionClassName?: string;
  'aria-label'?: string;
  className?: string;
  testId?: string;
  attributes?: DataAttributes;
  rowAttributes?: (row: TData) => DataAttributes;
  /** Classes added to every header / body cell (for tables styled with utilities instead of `.table`). */
  headerCellClassName?: string;
  cellClassName?: string;
  /** Controlled sorting; without it, sortable columns sort the given rows client-side. */
  sorting?: DataTableSorting;
  initialSorting?: SortingState;
  selection?: DataTableSelection<TData>;
  /** Shown in a full-width row when there are no rows. */
  emptyState?: ReactNode;
  /** The content of a full-width row under an expanded row (toggled with `row.toggleExpanded()` from a cell). */
  renderDetail?: (row: TData) => ReactNode;
}

/** The column's plain-text name: its string header, or meta.label. */
export function columnLabel<TData extends RowData>(column: Column<DataTableFeatures, TData, unknown>): string {
  const header = column.columnDef.header;
  return typeof header === 'string' ? header : (column.columnDef.meta?.label ?? column.id);
}

function ariaSort(direction: false | 'asc' | 'desc'): 'ascending' | 'descending' | 'none' {
  return direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : 'none';
}

function SortButton<TData extends RowData>({
  header,
  children,
}: {
  header: Header<DataTableFeatures, TData, unknown>;
  children: ReactNode;
}) {
  const column = header.column;
  const sorted = column.getIsSorted();
  const next = column.getNextSortingOrder();
  const nextOrder = next === 'desc' ? 'descending' : next === 'asc' ? 'ascending' : 'in the default order';
  return (
    // A native button: Enter and Space activate it, so sorting works from the keyboard.
    <button type="button" className="sort-button" onClick={() => column.toggleSorting()}>
      {children}
      <span aria-hidden="true" className="sort-mark">
        {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
      </span>
      <span className="visually-hidden">
        {sorted
          ? `, sorted ${ariaSort(sorted)}; activate to sort ${nextOrder}`
          : ', activate to sort'}
      </span>
    </button>
  );
}

function Checkbox({
  label,
  checked,
  indeterminate = false,
  disabled,
  onChange,
}: {
  label: string;
  checked: boolean;
  indeterminate?: boolean;
  disabled?: boolean;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return <input ref={ref} type="checkbox" aria-label={label} checked={checked} disabled={disabled} onChange={onChange} />;
}

/** Whether the element's content is wider than the element, followed as either is resized. */
function useOverflowsX(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setOverflows(element.scrollWidth > element.clientWidth));
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild); // the table: rows come and go
    return () => observer.disconnect();
  }, [ref]);
  return overflows;
}

export function DataTable<TData extends RowData>({
  columns,
  data,
  getRowId,
  caption,
  captionClassName = 'visually-hidden',
  'aria-label': ariaLabel,
  className = 'table',
  testId,
  attributes,
  rowAttributes,
  headerCellClassName,
  cellClassName,
  sorting,
  initialSorting,
  selection,
  emptyState,
  renderDetail,
}: DataTableProps<TData>) {
  const canSelect = selection?.canSelect;
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    getRowId,
    // Columns opt in to sorting (`enableSorting: true`); one column at a time, toggling asc ⇄ desc.
    defaultColumn: { enableSorting: false },
    enableMultiSort: false,
    enableSortingRemoval: false,
    sortDescFirst: false,
    manualSorting: sorting?.manual ?? false,
    enableRowSelection: selection ? (canSelect ? (row) => canSelect(row.original) : true) : false,
    getRowCanExpand: () => renderDetail !== undefined,
    // An open detail row stays open when the rows are refetched (same ids).
    autoResetExpanded: false,
    initialState: { sorting: initialSorting ?? [] },
    state: {
      ...(sorting ? { sorting: sorting.state } : {}),
      ...(selection ? { rowSelection: selection.state } : {}),
    },
    // Only when controlled: an explicit `undefined` would replace the table's own state updater.
    ...(sorting ? { onSortingChange: sorting.onChange } : {}),
    ...(selection ? { onRowSelectionChange: selection.onChange } : {}),
  });

  const scrollRef = useRef<HTMLDivElement>(null);
  const overflows = useOverflowsX(scrollRef);
  const captionId = useId();

  const leafCount = table.getAllLeafColumns().length + (selection ? 1 : 0);
  const rows = table.getRowModel().rows;
  const anySelectable = rows.some((row) => row.getCanSelect());

  // Only while it scrolls: a focusable region around every table would add a tab stop that does nothing.
  const scrollRegion = overflows
    ? {
        role: 'region',
        tabIndex: 0,
        ...(caption !== undefined ? { 'aria-labelledby': captionId } : { 'aria-label': ariaLabel }),
      }
    : {};

  return (
    <div ref={scrollRef} className="data-table-scroll" data-scrolls={overflows || undefined} {...scrollRegion}>
      <table className={className} data-testid={testId} aria-label={ariaLabel} {...attributes}>
        {caption !== undefined ? (
          <caption id={captionId} className={captionClassName}>
            {caption}
          </caption>
        ) : null}
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {selection ? (
                <th scope="col" className={cn(headerCellClassName, 'select-cell')}>
                  <Checkbox
                    label={selection.allLabel}
                    checked={table.getIsAllPageRowsSelected()}
                    indeterminate={table.getIsSomePageRowsSelected() && !table.getIsAllPageRowsSelected()}
                    disabled={!anySelectable}
                    onChange={(e) => table.toggleAllPageRowsSelected(e.target.checked)}
                  />
                </th>
              ) : null}
              {group.headers.map((header) => {
                const meta = header.column.columnDef.meta;
                const content = header.isPlaceholder ? null : meta?.hideHeader ? (
                  <span className="visually-hidden">{columnLabel(header.column)}</span>
                ) : (
                  <table.FlexRender header={header} />
                );
                const canSort = header.column.getCanSort();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    colSpan={header.colSpan > 1 ? header.colSpan : undefined}
                    aria-sort={canSort ? ariaSort(header.column.getIsSorted()) : undefined}
                    className={cn(headerCellClassName, meta?.className, meta?.headerClassName) || undefined}
                  >
                    {canSort && !header.isPlaceholder ? <SortButton header={header}>{content}</SortButton> : content}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 && emptyState !== undefined ? (
            <tr className="empty-row">
              <td colSpan={leafCount} className={cellClassName}>
                {emptyState}
              </td>
            </tr>
          ) : null}
          {rows.map((row) => {
            const extra = rowAttributes?.(row.original);
            const selected = row.getIsSelected();
            return (
              <Fragment key={row.id}>
                <tr {...extra} className={cn(extra?.className, selected && 'row-selected') || undefined}>
                  {selection ? (
                    <td className={cn(cellClassName, 'select-cell')} data-label="Select">
                      <Checkbox
                        label={selection.rowLabel(row.original)}
                        checked={selected}
                        disabled={!row.getCanSelect()}
                        onChange={row.getToggleSelectedHandler()}
                      />
                    </td>
                  ) : null}
                  {row.getAllCells().map((cell) => {
                    const meta = cell.column.columnDef.meta;
                    return (
                      <td
                        key={cell.id}
                        data-label={columnLabel(cell.column)}
                        className={cn(cellClassName, meta?.className, meta?.cellClassName) || undefined}
                      >
                        <table.FlexRender cell={cell} />
                      </td>
                    );
                  })}
                </tr>
                {renderDetail && row.getIsExpanded() ? (
                  <tr className="detail-row">
                    <td colSpan={leafCount}>{renderDetail(row.original)}</td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
