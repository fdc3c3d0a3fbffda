import type { RejectedRow } from '../../core/api/trace.js';
import { formatInt } from '../lib/format.js';

/** Rejected rows: line, reason, and the row as read. */
export function RejectedTable({ rows, total }: { rows: readonly RejectedRow[]; total: number }) {
  return (
    <>
      <table className="plain-table" data-testid="rejected-table">
        <thead>
          <tr>
            <th style={{ width: 90 }}>Line</th>
            <th style={{ width: '38%' }}>Reason</th>
            <th>Row as read</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.file}:${r.line}`}>
              <td className="num mono">{formatInt(r.line)}</td>
              <td>{r.reason}</td>
              <td className="text">{r.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > rows.length && <div className="empty">… and {formatInt(total - rows.length)} more rejected rows (the first {formatInt(rows.length)} are listed).</div>}
    </>
  );
}
