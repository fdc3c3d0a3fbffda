import { RejectedTable } from '../components/RejectedTable.js';
import { formatInt } from '../lib/format.js';
import { useTraceStore } from '../stores/trace.js';

export function RejectedPage() {
  const summary = useTraceStore((s) => s.summary);
  if (!summary) return null;
  const repairs = Object.entries(summary.repairs).filter(([, n]) => n > 0);
  return (
    <div className="page" data-testid="rejected-page">
      <div className="page-head">
        <div className="titles">
          <h1>Rejected rows</h1>
          <div className="sub">
            {formatInt(summary.rejectedCount)} of {formatInt(summary.rows)} rows of {summary.fileName} could not be read; they are left out of every chart and of the simulation.
          </div>
        </div>
      </div>
      <section className="panel">
        {summary.rejected.length === 0 ? <div className="empty">Every row was read.</div> : <RejectedTable rows={summary.rejected} total={summary.rejectedCount} />}
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Repairs</h2>
          <span className="hint">rows kept, with a value corrected on the way in</span>
        </div>
        <div className="panel-body">
          {repairs.length === 0 ? (
            <div className="empty" style={{ padding: 0 }}>
              No row needed a repair.
            </div>
          ) : (
            <table className="plain-table" style={{ maxWidth: 480 }}>
              <tbody>
                {repairs.map(([kind, n]) => (
                  <tr key={kind}>
                    <td>{kind.replace(/([A-Z])/g, ' $1').toLowerCase()}</td>
                    <td className="num">{formatInt(n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>
    </div>
  );
}
