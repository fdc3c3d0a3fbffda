import { z } from 'zod';
import { PipelineConfigSchema } from '../../core/pipeline/browser.js';

/**
 * The experiment form, generated from the `mirage run` config schema
 * (core/pipeline/config.ts) through zod's JSON Schema: every field of the
 * schema is a field of the form, its help text is the schema's description,
 * its default the schema's default, and its errors are zod's issues at its
 * path. Nothing here repeats the schema: a field added there appears here.
 */

export type FieldKind = 'integer' | 'number' | 'text' | 'enum' | 'boolean' | 'multi-enum' | 'number-pair' | 'number-list';

export interface FormField {
  /** Path in the config, e.g. ['dataset', 'samples']. */
  path: string[];
  key: string;
  label: string;
  kind: FieldKind;
  description: string;
  /** The schema's default (undefined: none, the field is optional). */
  defaultValue: unknown;
  options?: string[];
  min?: number;
  max?: number;
  /** A number list whose entries may be null (typed as "none"). */
  nullableItems?: boolean;
}

export interface FormSection {
  path: string[];
  key: string;
  label: string;
  description: string;
  fields: FormField[];
  sections: FormSection[];
}

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** Keys whose words alone would not say it (the schema's key stays shown beside the label). */
const LABELS: Record<string, string> = { dModel: 'Model width', ffDim: 'Feed-forward width', patchLen: 'Patch length' };

/** `jobNodes` -> `Job nodes`. */
export function humanize(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const SAFE = Number.MAX_SAFE_INTEGER;

function fieldOf(path: string[], schema: JsonSchema): FormField | null {
  const key = path[path.length - 1];
  const base = { path, key, label: humanize(key), description: schema.description ?? '', defaultValue: schema.default };
  const min = schema.minimum ?? schema.exclusiveMinimum;
  const max = schema.maximum !== undefined && Math.abs(schema.maximum) < SAFE ? schema.maximum : schema.exclusiveMaximum;
  switch (schema.type) {
    case 'integer':
      return { ...base, kind: 'integer', min, max };
    case 'number':
      return { ...base, kind: 'number', min, max };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'string':
      return schema.enum ? { ...base, kind: 'enum', options: schema.enum.map(String) } : { ...base, kind: 'text' };
    case 'array':
      if (schema.prefixItems?.length === 2) return { ...base, kind: 'number-pair' };
      if (schema.items?.enum) return { ...base, kind: 'multi-enum', options: schema.items.enum.map(String) };
      if (schema.items?.type === 'number' || schema.items?.type === 'integer') return { ...base, kind: 'number-list' };
      // Numbers or null ("no cap"): a list where "none" stands for null.
      if (schema.items?.anyOf?.some((s) => s.type === 'number' || s.type === 'integer') && schema.items.anyOf.some((s) => s.type === 'null')) {
        return { ...base, kind: 'number-list', nullableItems: true };
      }
      return null;
    default:
      return null;
  }
}

function sectionOf(path: string[], schema: JsonSchema): FormSection {
  const section: FormSection = {
    path,
    key: path[path.length - 1] ?? '',
    label: path.length ? humanize(path[path.length - 1]) : 'Experiment',
    description: schema.description ?? '',
    fields: [],
    sections: [],
  };
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (child.type === 'object' && child.properties) section.sections.push(sectionOf([...path, key], child));
    else {
      const field = fieldOf([...path, key], child);
      if (field) section.fields.push(field);
    }
  }
  return section;
}

let cached: FormSection | null = null;

/** The form of the whole config: the root's own fields (name, workers) and one section per part. */
export function experimentFormModel(): FormSection {
  cached ??= sectionOf([], z.toJSONSchema(PipelineConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  return cached;
}

export function fieldId(path: readonly string[]): string {
  return `cfg-${path.join('-')}`;
}

export function getAt(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A copy of `value` with `path` set (undefined removes the key, and objects left empty). */
export function setAt(value: unknown, path: readonly string[], next: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  if (path.length === 0) return root;
  const [key, ...rest] = path;
  if (rest.length === 0) {
    if (next === undefined) delete root[key];
    else root[key] = next;
    return root;
  }
  const child = setAt(root[key], rest, next);
  if (Object.keys(child).length === 0) delete root[key];
  else root[key] = child;
  return root;
}

/**
 * What a typed text becomes in the draft: a number where one is expected and
 * the text reads as one, the text itself otherwise (zod then says what is
 * wrong, inline), nothing for an empty box (the default applies).
 */
export function parseInput(field: FormField, text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (field.kind === 'integer' || field.kind === 'number') {
    const n = Number(t);
    return Number.isFinite(n) ? n : text;
  }
  if (field.kind === 'number-list') {
    const parts = t.split(/[\s,]+/).filter(Boolean);
    const values = parts.map((p) => (field.nullableItems && /^(none|null)$/i.test(p) ? null : Number(p)));
    return values.every((v) => v === null || Number.isFinite(v)) ? values : text;
  }
  return text;
}

/** How a draft value shows in a text box. */
export function formatInput(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => (v === null ? 'none' : String(v))).join(', ');
  return String(value);
}

export interface ConfigCheck {
  /** zod's messages by field path (`dataset.samples`); '' holds those without a field. */
  issues: Map<string, string[]>;
  /** The parsed config when valid. */
  config: z.output<typeof PipelineConfigSchema> | null;
}

/** Validates a draft with the CLI's schema; every issue lands on the field it names. */
export function checkConfig(draft: unknown): ConfigCheck {
  const result = PipelineConfigSchema.safeParse(draft);
  if (result.success) return { issues: new Map(), config: result.data };
  const issues = new Map<string, string[]>();
  const add = (path: string, message: string) => issues.set(path, [...(issues.get(path) ?? []), message]);
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add('', `${[...path, key].join('.')}: unknown field (the CLI refuses it too)`);
      continue;
    }
    // A tuple's element errors belong to the tuple's field.
    const model = experimentFormModel();
    const owner = findOwner(model, path);
    add(owner ?? path.join('.'), readableMessage(issue));
  }
  return { issues, config: null };
}

/**
 * zod's issue in the form's words ("a whole number", "at least 1") instead of
 * its schema words ("Invalid input: expected number, received string");
 * messages the schema wrote itself (custom, formats) are kept.
 */
export function readableMessage(issue: z.core.$ZodIssue): string {
  const bound = (value: unknown) => (typeof value === 'bigint' ? value.toString() : String(value));
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int') return issue.expected === 'int' ? 'a whole number is needed here' : 'a number is needed here';
      if (issue.expected === 'string') return 'text is needed here';
      if (issue.expected === 'boolean') return 'yes or no is needed here';
      if (issue.expected === 'array') return 'a list is needed here';
      return `a ${issue.expected} is needed here`;
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${bound(issue.minimum)}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${bound(issue.minimum)} ${Number(issue.minimum) === 1 ? 'entry' : 'entries'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `needs at least ${bound(issue.minimum)} characters`;
      return issue.message;
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${bound(issue.maximum)}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${bound(issue.maximum)} entries`;
      if (issue.origin === 'string') return `takes at most ${bound(issue.maximum)} characters`;
      return issue.message;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${bound(issue.divisor)}`;
    default:
      return issue.message;
  }
}

function findOwner(section: FormSection, path: readonly string[]): string | null {
  for (let n = path.length; n > 0; n--) {
    const prefix = path.slice(0, n).join('.');
    if (allFields(section).some((f) => f.path.join('.') === prefix)) return prefix;
  }
  return null;
}

export function allFields(section: FormSection): FormField[] {
  return [...section.fields, ...section.sections.flatMap(allFields)];
}
