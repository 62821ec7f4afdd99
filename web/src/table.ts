import { fill, h } from './dom.js';
import { count } from './format.js';

/** A column of a sortable table. */
export interface Column<R> {
  key: string;
  label: string;
  numeric?: boolean;
  /** The value the column sorts by. */
  value: (row: R) => number | string;
  cell: (row: R) => Node | string;
}

export interface TableOptions<R> {
  caption: string;
  columns: Column<R>[];
  sort: { key: string; descending: boolean };
  pageSize?: number;
  rowProps?: (row: R) => Record<string, string>;
  /** Breaks ties so that equal values keep a stable, meaningful order. */
  tieBreak?: (a: R, b: R) => number;
}

/** A table whose column headers are sort buttons, shown a page at a time. */
export class SortableTable<R> {
  private rows: R[] = [];
  private page = 0;
  /** The column the user last sorted by; the initial sort is not the user's choice. */
  private clicked: string | undefined;
  private readonly table = h('table', { class: 'data' });
  private readonly pager = h('div', { class: 'pager' });

  constructor(
    element: HTMLElement,
    private readonly options: TableOptions<R>,
  ) {
    fill(element, h('div', { class: 'table-scroll' }, this.table), this.pager);
  }

  /** Shows new rows, keeping the sort; back to the first page unless `keepPage`. */
  setRows(rows: R[], keepPage = false): void {
    this.rows = rows;
    if (!keepPage) this.page = 0;
    this.sortRows();
    this.render();
  }

  /** The rows in their sorted order (every page), e.g. for a CSV download. */
  sorted(): readonly R[] {
    return this.rows;
  }

  private sortBy(key: string): void {
    const sort = this.options.sort;
    const column = this.options.columns.find((c) => c.key === key)!;
    // A first click sorts a column its natural way (numbers largest first, text A to Z), even when
    // the table starts sorted by it; clicking it again reverses.
    sort.descending = this.clicked === key ? !sort.descending : Boolean(column.numeric);
    sort.key = key;
    this.clicked = key;
    this.page = 0;
    this.sortRows();
    this.render();
    this.table.querySelector<HTMLButtonElement>(`th[data-key="${key}"] button`)?.focus();
  }

  private sortRows(): void {
    const { key, descending } = this.options.sort;
    const column = this.options.columns.find((c) => c.key === key)!;
    const sign = descending ? -1 : 1;
    const tieBreak = this.options.tieBreak ?? (() => 0);
    this.rows = [...this.rows].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * order || tieBreak(a, b);
    });
  }

  private render(): void {
    const { columns, sort, caption } = this.options;
    const size = this.options.pageSize ?? this.rows.length;
    const pages = Math.max(1, Math.ceil(this.rows.length / Math.max(1, size)));
    this.page = Math.min(this.page, pages - 1);
    const shown = this.rows.slice(this.page * size, (this.page + 1) * size);
    const head = columns.map((c) => {
      const active = c.key === sort.key;
      const ariaSort = active ? (sort.descending ? 'descending' : 'ascending') : undefined;
      return h(
        'th',
        { scope: 'col', class: c.numeric ? 'num' : undefined, 'data-key': c.key, 'aria-sort': ariaSort },
        h(
          'button',
          { type: 'button', class: 'sort', onclick: () => this.sortBy(c.key) },
          c.label,
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort.descending ? '▼' : '▲') : ''),
        ),
      );
    });
    const body = shown.map((row) =>
      h(
        'tr',
        this.options.rowProps?.(row) ?? {},
        columns.map((c) => h('td', { class: c.numeric ? 'num' : undefined, 'data-key': c.key }, c.cell(row))),
      ),
    );
    fill(
      this.table,
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, head)),
      h('tbody', {}, body),
    );
    this.renderPager(pages, shown.length);
  }

  private renderPager(pages: number, shown: number): void {
    if (pages <= 1) {
      fill(this.pager);
      return;
    }
    const size = this.options.pageSize ?? 0;
    const first = this.page * size + 1;
    const go = (page: number) => () => {
      this.page = page;
      this.render();
    };
    fill(
      this.pager,
      h('span', {}, `${count(first)}–${count(first + shown - 1)} of ${count(this.rows.length)}`),
      h('button', { type: 'button', disabled: this.page === 0, onclick: go(this.page - 1) }, 'Previous'),
      h('button', { type: 'button', disabled: this.page >= pages - 1, onclick: go(this.page + 1) }, 'Next'),
    );
  }
}
