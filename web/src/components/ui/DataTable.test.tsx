import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { RowSelectionState, SortingState } from '@tanstack/react-table';
import { createDataColumnHelper, DataTable } from './DataTable';

interface Fruit {
  id: string;
  name: string;
  stock: number;
  retired?: boolean;
}

const FRUITS: Fruit[] = [
  { id: 'f1', name: 'Banana', stock: 12 },
  { id: 'f2', name: 'apple', stock: 30 },
  { id: 'f3', name: 'Cherry', stock: 5, retired: true },
];

const helper = createDataColumnHelper<Fruit>();
const COLUMNS = helper.columns([
  helper.accessor('name', { header: 'Name', enableSorting: true, sortFn: 'text' }),
  helper.accessor('stock', { header: 'Stock', enableSorting: true, meta: { className: 'num' } }),
  helper.display({
    id: 'actions',
    meta: { label: 'Actions', hideHeader: true },
    cell: ({ row }) => (
      <button type="button" aria-expanded={row.getIsExpanded()} onClick={() => row.toggleExpanded()}>
        Details of {row.original.name}
      </button>
    ),
  }),
]);

const fruitId = (fruit: Fruit) => fruit.id;

function names(): string[] {
  return screen.getAllByTestId('fruit').map((row) => within(row).getAllByRole('cell')[0]!.textContent ?? '');
}

function header(name: RegExp): HTMLElement {
  return screen.getByRole('columnheader', { name });
}

function Plain() {
  return (
    <DataTable columns={COLUMNS} data={FRUITS} getRowId={fruitId} caption="Fruit" rowAttributes={() => ({ 'data-testid': 'fruit' })} />
  );
}

function Selectable({ data = FRUITS, onSelection }: { data?: Fruit[]; onSelection?: (s: RowSelectionState) => void }) {
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  return (
    <>
      <DataTable
        columns={COLUMNS}
        data={data}
        getRowId={fruitId}
        caption="Fruit"
        rowAttributes={() => ({ 'data-testid': 'fruit' })}
        selection={{
          state: rowSelection,
          onChange: (updater) => {
            const next = typeof updater === 'function' ? updater(rowSelection) : updater;
            setRowSelection(next);
            onSelection?.(next);
          },
          rowLabel: (fruit) => `Select ${fruit.name}`,
          allLabel: 'Select all fruit',
          canSelect: (fruit) => !fruit.retired,
        }}
        emptyState="No fruit."
      />
      <output data-testid="selected">{Object.keys(rowSelection).sort().join(',')}</output>
    </>
  );
}

describe('DataTable', () => {
  it('renders a captioned table with data-labels, hidden headers and only opted-in sortable columns', () => {
    render(
      <DataTable
        columns={COLUMNS}
        data={FRUITS}
        getRowId={fruitId}
        caption="Fruit"
        testId="fruit-table"
        rowAttributes={(fruit) => ({ 'data-testid': 'fruit', 'data-fruit': fruit.id })}
      />,
    );
    const table = screen.getByRole('table', { name: 'Fruit' });
    expect(table.getAttribute('data-testid')).toBe('fruit-table');
    expect(table.className).toBe('table');
    expect(names()).toEqual(['Banana', 'apple', 'Cherry']);
    expect(header(/Name/).getAttribute('aria-sort')).toBe('none');
    expect(header(/Actions/).hasAttribute('aria-sort')).toBe(false);
    expect(within(header(/Actions/)).queryByRole('button')).toBeNull();
    expect(header(/Stock/).className).toBe('num');
    const first = screen.getAllByTestId('fruit')[0]!;
    expect(first.getAttribute('data-fruit')).toBe('f1');
    expect(within(first).getAllByRole('cell').map((td) => td.getAttribute('data-label'))).toEqual([
      'Name',
      'Stock',
      'Actions',
    ]);
  });

  it('sorts client-side by clicking a header button, with aria-sort on the header', async () => {
    const user = userEvent.setup();
    render(<Plain />);

    await user.click(within(header(/Name/)).getByRole('button'));
    expect(header(/Name/).getAttribute('aria-sort')).toBe('ascending');
    expect(names()).toEqual(['apple', 'Banana', 'Cherry']);
    expect(within(header(/Name/)).getByRole('button').textContent).toContain('activate to sort descending');

    await user.click(within(header(/Name/)).getByRole('button'));
    expect(header(/Name/).getAttribute('aria-sort')).toBe('descending');
    expect(names()).toEqual(['Cherry', 'Banana', 'apple']);

    // A number column also starts ascending, and the other header goes back to unsorted.
    await user.click(within(header(/Stock/)).getByRole('button'));
    expect(header(/Stock/).getAttribute('aria-sort')).toBe('ascending');
    expect(header(/Name/).getAttribute('aria-sort')).toBe('none');
    expect(names()).toEqual(['Cherry', 'Banana', 'apple']);
  });

  it('sorts from the keyboard: Tab to the header button, then Enter or Space', async () => {
    const user = userEvent.setup();
    render(<Plain />);

    await user.tab();
    expect(document.activeElement).toBe(within(header(/Name/)).getByRole('button'));
    await user.keyboard('{Enter}');
    expect(header(/Name/).getAttribute('aria-sort')).toBe('ascending');
    await user.keyboard(' ');
    expect(header(/Name/).getAttribute('aria-sort')).toBe('descending');
    await user.tab();
    await user.keyboard('{Enter}');
    expect(header(/Stock/).getAttribute('aria-sort')).toBe('ascending');
    expect(names()).toEqual(['Cherry', 'Banana', 'apple']);
  });

  it('leaves the order to the owner under manual sorting and reports the new sorting', async () => {
    const user = userEvent.setup();
    const changes: SortingState[] = [];
    function Manual() {
      const [sorting, setSorting] = useState<SortingState>([{ id: 'stock', desc: true }]);
      return (
        <DataTable
          columns={COLUMNS}
          data={FRUITS}
          getRowId={fruitId}
          caption="Fruit"
          rowAttributes={() => ({ 'data-testid': 'fruit' })}
          sorting={{
            state: sorting,
            manual: true,
            onChange: (updater) => {
              const next = typeof updater === 'function' ? updater(sorting) : updater;
              changes.push(next);
              setSorting(next);
            },
          }}
        />
      );
    }
    render(<Manual />);
    expect(header(/Stock/).getAttribute('aria-sort')).toBe('descending');
    await user.click(within(header(/Stock/)).getByRole('button'));
    await user.click(within(header(/Name/)).getByRole('button'));
    expect(changes).toEqual([[{ id: 'stock', desc: false }], [{ id: 'name', desc: false }]]);
    expect(header(/Name/).getAttribute('aria-sort')).toBe('ascending');
    // The rows stay in the order given: the server sorts them.
    expect(names()).toEqual(['Banana', 'apple', 'Cherry']);
  });

  it('selects rows with labelled checkboxes; select-all skips rows that cannot be selected', async () => {
    const user = userEvent.setup();
    render(<Selectable />);
    const all = screen.getByRole('checkbox', { name: 'Select all fruit' }) as HTMLInputElement;
    expect(screen.getByRole('checkbox', { name: 'Select Cherry' })).toHaveProperty('disabled', true);

    await user.click(screen.getByRole('checkbox', { name: 'Select Banana' }));
    expect(screen.getByTestId('selected').textContent).toBe('f1');
    expect(all.checked).toBe(false);
    expect(all.indeterminate).toBe(true);
    expect(screen.getAllByTestId('fruit')[0]!.className).toBe('row-selected');

    await user.click(all);
    expect(screen.getByTestId('selected').textContent).toBe('f1,f2');
    expect(all.checked).toBe(true);
    expect(all.indeterminate).toBe(false);

    await user.click(all);
    expect(screen.getByTestId('selected').textContent).toBe('');
    expect(all.checked).toBe(false);
    expect(screen.getAllByTestId('fruit')[0]!.className).toBe('');
  });

  it('shows the empty state in a full-width row, with select-all disabled', () => {
    render(<Selectable data={[]} />);
    const cell = screen.getByRole('cell', { name: 'No fruit.' });
    expect(cell.getAttribute('colspan')).toBe('4');
    expect(screen.getByRole('checkbox', { name: 'Select all fruit' })).toHaveProperty('disabled', true);
  });

  it('opens a detail row under a row from a cell', async () => {
    const user = userEvent.setup();
    render(
      <DataTable
        columns={COLUMNS}
        data={FRUITS}
        getRowId={fruitId}
        caption="Fruit"
        renderDetail={(fruit) => <p>{fruit.name} details</p>}
      />,
    );
    expect(screen.queryByText('apple details')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Details of apple' }));
    expect(screen.getByText('apple details').closest('td')!.getAttribute('colspan')).toBe('3');
    expect(screen.getByRole('button', { name: 'Details of apple' }).getAttribute('aria-expanded')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Details of apple' }));
    expect(screen.queryByText('apple details')).toBeNull();
  });

  describe('a table wider than its place', () => {
    // jsdom lays nothing out: the browser's ResizeObserver and element widths stand in for a narrow screen
    // (vitest restores both after each test).
    class ImmediateResizeObserver {
      constructor(private readonly callback: () => void) {}
      observe() {
        this.callback();
      }
      disconnect() {}
    }
    function narrowScreen(scroll: number, client: number) {
      vi.stubGlobal('ResizeObserver', ImmediateResizeObserver);
      vi.spyOn(HTMLElement.prototype, 'scrollWidth', 'get').mockReturnValue(scroll);
      vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(client);
    }

    it('scrolls in its own container, a region named by the caption that the keyboard can reach', () => {
      narrowScreen(700, 343);
      render(<Plain />);
      const region = screen.getByRole('region', { name: 'Fruit' });
      expect(region.tabIndex).toBe(0);
      expect(within(region).getByRole('table', { name: 'Fruit' })).toBeTruthy();
    });

    it('is named by aria-label without a caption', () => {
      narrowScreen(700, 343);
      render(<DataTable columns={COLUMNS} data={FRUITS} getRowId={fruitId} aria-label="Stock list" />);
      expect(screen.getByRole('region', { name: 'Stock list' }).tabIndex).toBe(0);
    });

    it('adds no tab stop and no region while it fits', () => {
      narrowScreen(343, 343);
      render(<Plain />);
      expect(screen.queryByRole('region')).toBeNull();
      expect(screen.getByRole('table').parentElement!.hasAttribute('tabindex')).toBe(false);
    });
  });
});
