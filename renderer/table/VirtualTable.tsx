import type { KeyboardEvent } from 'react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface VirtualColumn<K extends string> {
  key: K;
  label: string;
  width: number;
  numeric?: boolean;
  /** Text of row `index` (an index into the data, not into the view). */
  cell: (index: number) => string;
  muted?: boolean;
}

interface VirtualTableProps<K extends string> {
  columns: readonly VirtualColumn<K>[];
  /** Data indices to show, in order. */
  rows: Uint32Array;
  sortKey: K;
  sortDir: 'asc' | 'desc';
  onSort: (key: K) => void;
  label: string;
  rowHeight?: number;
  testId?: string;
}

const OVERSCAN = 8;

/**
 * A table that renders only the rows in view (fixed row height), so 25k or
 * 1M rows scroll as smoothly as 50. Headers sort; the body is one focusable
 * scroll area (arrows, Page Up/Down, Home/End).
 */
export function VirtualTable<K extends string>({ columns, rows, sortKey, sortDir, onSort, label, rowHeight = 26, testId }: VirtualTableProps<K>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(600);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scrollRef.current!;
    const observer = new ResizeObserver(() => setViewportHeight(el.clientHeight));
    observer.observe(el);
    setViewportHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // A new filter or sort starts at the top.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    setScrollTop(0);
  }, [rows]);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(scrollRef.current?.scrollTop ?? 0);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = scrollRef.current;
    if (!el) return;
    if (e.key === 'Home') {
      el.scrollTop = 0;
      e.preventDefault();
    } else if (e.key === 'End') {
      el.scrollTop = el.scrollHeight;
      e.preventDefault();
    }
  };

  const totalWidth = columns.reduce((w, c) => w + c.width, 0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewportHeight) / rowHeight) + OVERSCAN);
  const visible: number[] = [];
  for (let v = first; v < last; v++) visible.push(v);

  return (
    <div
      ref={scrollRef}
      className="vtable"
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      tabIndex={0}
      role="table"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      data-testid={testId}
      data-rows={rows.length}
    >
      <div className="vtable-header" role="row" style={{ minWidth: totalWidth }}>
        {columns.map((c) => {
          const sorted = c.key === sortKey;
          return (
            <div key={c.key} role="columnheader" aria-sort={sorted ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none'} style={{ width: c.width, flex: 'none' }}>
              <button type="button" className={c.numeric ? 'num' : undefined} style={{ width: '100%' }} onClick={() => onSort(c.key)} aria-sort={sorted ? (sortDir === 'asc' ? 'ascending' : 'descending') : undefined}>
                {c.label}
                <span aria-hidden="true" style={{ visibility: sorted ? 'visible' : 'hidden' }}>
                  {sortDir === 'asc' ? '▲' : '▼'}
                </span>
              </button>
            </div>
          );
        })}
      </div>
      <div style={{ position: 'relative', height: rows.length * rowHeight, minWidth: totalWidth }} role="rowgroup">
        {visible.map((v) => {
          const index = rows[v];
          return (
            <div key={v} className={v % 2 ? 'vtable-row odd' : 'vtable-row'} role="row" aria-rowindex={v + 2} style={{ top: v * rowHeight, width: '100%', minWidth: totalWidth, height: rowHeight }}>
              {columns.map((c) => (
                <div key={c.key} role="cell" className={`vtable-cell${c.numeric ? ' num' : ''}${c.muted ? ' muted' : ''}`} style={{ width: c.width }}>
                  {c.cell(index)}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
