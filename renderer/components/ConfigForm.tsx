import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { RichText } from './RichText.js';
import type { FormField, FormSection } from '../lib/config-form.js';
import { fieldId, formatInput, getAt, parseInput } from '../lib/config-form.js';

/**
 * One section of the experiment form, generated from the config schema's
 * JSON Schema (lib/configForm.ts): a control per field by its type, the
 * schema's description as help text, the default as placeholder, zod's
 * issues under the field. Which fields sit under "More settings" is the only
 * thing decided here.
 */

/** Fields most experiments leave alone: shown folded. */
const ADVANCED = new Set([
  'workers',
  'description',
  'trace.format',
  'training.preset',
  'training.batchSize',
  'training.learningRate',
  'training.patience',
  'training.maxMinutes',
  'training.heldOutFraction',
  'training.heads',
  'training.ffDim',
  'training.patchLen',
  'training.backend',
  'validation.submitIntervalHours',
  'validation.decision',
  'validation.seed',
  'validation.quantile.q',
  'validation.quantile.window',
  'validation.calibrate.enabled',
  'validation.calibrate.lowHours',
  'validation.calibrate.thresholds',
  'validation.calibrate.confirmations',
  'validation.calibrate.maxLeadHours',
  // Read by `mirage evaluate` only: a run started here does not use them.
  'evaluation.jobNodes',
  'evaluation.folds',
  'evaluation.foldSamples',
  'evaluation.models',
  'evaluation.test.start',
  'evaluation.test.samples',
  'evaluation.bootstrap.resamples',
  'evaluation.bootstrap.seed',
  'evaluation.bootstrap.level',
]);

export interface FieldProps {
  field: FormField;
  value: unknown;
  issues: readonly string[];
  onChange: (value: unknown) => void;
}

/** A text box that keeps what is typed ("0.", "-") while the draft holds its parsed value. */
function TextBox({ field, value, onChange, invalid, id, width }: { field: FormField; value: unknown; onChange: (v: unknown) => void; invalid: boolean; id: string; width?: number }) {
  const [text, setText] = useState(formatInput(value));
  useEffect(() => {
    // A preset or a loaded file changed the value: show it, unless it is what the text already means.
    // (Only an outside change of the value resets the text, hence the single dependency.)
    if (JSON.stringify(parseInput(field, text)) !== JSON.stringify(value)) setText(formatInput(value));
  }, [value]);
  const numeric = field.kind === 'integer' || field.kind === 'number';
  return (
    <input
      id={id}
      className={`input${invalid ? ' invalid' : ''}${numeric ? ' num' : ''}`}
      style={width ? { width } : undefined}
      value={text}
      inputMode={numeric ? 'decimal' : undefined}
      placeholder={field.defaultValue === undefined ? 'default' : formatInput(field.defaultValue)}
      aria-invalid={invalid}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseInput(field, e.target.value));
      }}
    />
  );
}

function Control({ field, value, issues, onChange }: FieldProps) {
  const id = fieldId(field.path);
  const invalid = issues.length > 0;
  switch (field.kind) {
    case 'enum':
      return (
        <select id={id} className={`input${invalid ? ' invalid' : ''}`} value={String(value ?? field.defaultValue ?? '')} onChange={(e) => onChange(e.target.value)}>
          {field.options!.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    case 'boolean':
      return <input id={id} type="checkbox" checked={Boolean(value ?? field.defaultValue)} onChange={(e) => onChange(e.target.checked)} />;
    case 'multi-enum': {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : ((field.defaultValue as string[] | undefined) ?? []));
      return (
        <span className="choices" id={id} role="group">
          {field.options!.map((o) => (
            <label key={o} className="choice">
              <input
                type="checkbox"
                checked={chosen.has(o)}
                onChange={(e) => onChange(field.options!.filter((x) => (x === o ? e.target.checked : chosen.has(x))))}
              />
              {o}
            </label>
          ))}
        </span>
      );
    }
    case 'number-pair': {
      const pair = Array.isArray(value) ? value : ((field.defaultValue as unknown[] | undefined) ?? [undefined, undefined]);
      const numberField: FormField = { ...field, kind: 'number', defaultValue: undefined };
      const set = (k: 0 | 1, v: unknown) => {
        const next = [pair[0], pair[1]];
        next[k] = v === undefined ? '' : v;
        onChange(next);
      };
      return (
        <span className="pair" id={id}>
          <TextBox field={numberField} value={pair[0]} onChange={(v) => set(0, v)} invalid={invalid} id={`${id}-0`} width={76} />
          <span className="to">to</span>
          <TextBox field={numberField} value={pair[1]} onChange={(v) => set(1, v)} invalid={invalid} id={`${id}-1`} width={76} />
        </span>
      );
    }
    default:
      return <TextBox field={field} value={value} onChange={onChange} invalid={invalid} id={id} />;
  }
}

export function ConfigField(props: FieldProps & { control?: ReactNode }) {
  const { field, issues } = props;
  const id = fieldId(field.path);
  return (
    <div className={`form-field kind-${field.kind}`} data-field={field.path.join('.')}>
      <div className="form-label">
        <label htmlFor={field.kind === 'number-pair' ? `${id}-0` : id}>{field.label}</label>
        <code className="form-key" title="the field in the config file">
          {field.path.join('.')}
        </code>
      </div>
      <div className="form-control">{props.control ?? <Control {...props} />}</div>
      {field.description && (
        <div className="form-help">
          <RichText text={field.description} />
        </div>
      )}
      {issues.length > 0 && (
        <div className="form-error" role="alert" data-testid={`issue-${field.path.join('.')}`}>
          {issues.join('; ')}
        </div>
      )}
    </div>
  );
}

export interface SectionProps {
  section: FormSection;
  draft: Record<string, unknown>;
  issues: ReadonlyMap<string, string[]>;
  onChange: (path: readonly string[], value: unknown) => void;
  /** A field rendered differently (the trace picker); null: the generated control. */
  controlFor?: (field: FormField) => ReactNode | null;
  /** Leave out these fields (shown elsewhere). */
  skip?: ReadonlySet<string>;
}

/** A section's fields, then its sub-sections' fields, the advanced ones folded. */
export function ConfigFields({ section, draft, issues, onChange, controlFor, skip }: SectionProps) {
  const flat = (s: FormSection): FormField[] => [...s.fields, ...s.sections.flatMap(flat)];
  const fields = flat(section).filter((f) => !skip?.has(f.path.join('.')));
  const main = fields.filter((f) => !ADVANCED.has(f.path.join('.')));
  const more = fields.filter((f) => ADVANCED.has(f.path.join('.')));
  const render = (f: FormField) => (
    <ConfigField
      key={f.path.join('.')}
      field={f}
      value={getAt(draft, f.path)}
      issues={issues.get(f.path.join('.')) ?? []}
      onChange={(v) => onChange(f.path, v)}
      control={controlFor?.(f) ?? undefined}
    />
  );
  const moreHasIssues = more.some((f) => issues.has(f.path.join('.')));
  return (
    <>
      <div className="form-grid">{main.map(render)}</div>
      {more.length > 0 && (
        <details className="form-more" open={moreHasIssues || undefined}>
          <summary>
            More settings <span className="badge">{more.length}</span>
          </summary>
          <div className="form-grid">{more.map(render)}</div>
        </details>
      )}
    </>
  );
}
