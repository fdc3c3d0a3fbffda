/**
 * Two experiment configs side by side: every leaf by its dotted path
 * (`training.model`), with both values and whether they differ. A field one
 * config leaves out shows as absent (the schema's default then applies).
 */
export interface DiffRow {
  path: string;
  a: string | null;
  b: string | null;
  differs: boolean;
}

function leaves(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [key, v] of entries) leaves(v, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  out.set(prefix, JSON.stringify(value));
}

export function diffConfigs(a: Record<string, unknown>, b: Record<string, unknown>): DiffRow[] {
  const left = new Map<string, string>();
  const right = new Map<string, string>();
  leaves(a, '', left);
  leaves(b, '', right);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  return paths.map((path) => {
    const x = left.get(path) ?? null;
    const y = right.get(path) ?? null;
    return { path, a: x, b: y, differs: x !== y };
  });
}
