/**
 * The module boundaries, checked on the sources themselves (a small
 * dependency-cruiser): reads every import of core/, renderer/, electron/ and
 * e2e/ with a regex parser and fails on
 *  (a) an import cycle between core folders (core/sim -> core/dataset -> core/sim),
 *      counting type imports, over everything but *.test.ts files;
 *  (b) a renderer file that loads, directly or through other files, a core file
 *      that needs Node (a node: built-in or a Node-only package); type-only
 *      imports are erased from the bundle and do not count;
 *  (c) core importing electron/, renderer/ or e2e/ code, or the electron package;
 *  (d) a barrel (index.ts) in core that no file outside its folder imports;
 *  (e) an import past a public surface: a core folder with an index.ts is
 *      reached from outside only through it, or through browser.ts, its part
 *      that runs anywhere (core/trace); tests and test helpers (testing.ts,
 *      testing/) may reach inside. Folders without an index.ts (api, sim, ...)
 *      have no separate surface: each of their modules is public;
 *  (f) a file name out of style: modules are kebab-case (fast-engine.ts),
 *      React component files PascalCase (RunPage.tsx);
 *  (g) the renderer reaching core other than by folder: only core/api and
 *      core/charts run anywhere whole, and any other folder offers the
 *      browser its browser.ts (core/trace, core/pipeline, core/train). (b)
 *      checks that what those load needs no Node;
 *  (h) the CLI loading TensorFlow.js as it starts: core/cli/main.ts may reach
 *      it only through a dynamic import(), in the commands that train or run
 *      a model, so that every other command starts in a fraction of a second.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['core', 'renderer', 'electron', 'e2e'];
const SOURCE = /\.(ts|tsx|cts|mts)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'testdata', 'dist']);

/** Packages that only run in Node (or Electron's main process): never in the renderer's bundle. */
const NODE_ONLY_PACKAGES = new Set(['ws', 'piscina', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'commander', 'electron', 'playwright-core']);
const BUILTINS = new Set(builtinModules);

interface ImportRef {
  spec: string;
  /** `import type` / `export type`: erased from the emitted JavaScript. */
  typeOnly: boolean;
  /** `import('x')` or `require('x')`: loaded when that line runs, not with the module. */
  lazy?: true;
}

// Import clauses are identifiers, braces, commas, `*` and `as`: nothing else may sit between the
// keyword and `from`, so prose in comments ("comes from 'x'") does not match.
const STATIC = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[\w$*{},\s]+?\s*from\s*)?['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\b(?:import|require)\(\s*['"]([^'"\n]+)['"]\s*\)/g;

function parseImports(source: string): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const m of source.matchAll(STATIC)) refs.push({ spec: m[2], typeOnly: m[1] !== undefined });
  for (const m of source.matchAll(DYNAMIC)) refs.push({ spec: m[1], typeOnly: false, lazy: true });
  return refs;
}

/** The npm package (or node built-in) a bare specifier names: `@scope/name/x` -> `@scope/name`. */
function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isNodeOnly(spec: string): boolean {
  if (spec.startsWith('node:')) return true;
  const pkg = packageOf(spec);
  return BUILTINS.has(pkg) || NODE_ONLY_PACKAGES.has(pkg);
}

/** Repository-relative path of the file a relative specifier names, or undefined. */
function resolveRelative(from: string, spec: string, exists: (path: string) => boolean): string | undefined {
  const base = normalize(join(dirname(from), spec.replace(/\?.*$/, '')));
  const stem = base.replace(/\.(js|jsx|mjs|cjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${stem}/index.ts`, `${stem}/index.tsx`];
  return candidates.find(exists);
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  lazy?: true;
}

interface Graph {
  files: ReadonlyMap<string, string>;
  /** Relative imports resolved to repository files. */
  edges: Edge[];
  /** Bare imports (packages, built-ins) per file. */
  packages: Map<string, ImportRef[]>;
  unresolved: string[];
}

/** `files`: repository-relative path -> source text. Non-source files (package.json) resolve as leaves. */
function buildGraph(files: ReadonlyMap<string, string>, exists: (path: string) => boolean): Graph {
  const edges: Edge[] = [];
  const packages = new Map<string, ImportRef[]>();
  const unresolved: string[] = [];
  for (const [file, source] of files) {
    for (const ref of parseImports(source)) {
      if (!ref.spec.startsWith('.')) {
        packages.set(file, [...(packages.get(file) ?? []), ref]);
        continue;
      }
      const to = resolveRelative(file, ref.spec, exists);
      if (to === undefined) unresolved.push(`${file}: '${ref.spec}'`);
      else edges.push({ from: file, to, typeOnly: ref.typeOnly, ...(ref.lazy ? { lazy: true as const } : {}) });
    }
  }
  return { files, edges, packages, unresolved };
}

const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);

/** core/sim/chain.ts -> core/sim; core/version.ts -> core (the root's own files). */
function coreFolderOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'core') return undefined;
  return parts.length > 2 ? `core/${parts[1]}` : 'core';
}

/** Each folder cycle once, as `a -> b -> a` with the import that makes each step. */
function folderCycles(graph: Graph): string[] {
  const folderEdges = new Map<string, Map<string, string>>();
  for (const e of graph.edges) {
    if (isTest(e.from)) continue;
    const a = coreFolderOf(e.from);
    const b = coreFolderOf(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const out = folderEdges.get(a) ?? new Map<string, string>();
    if (!out.has(b)) out.set(b, `${e.from} imports ${e.to}`);
    folderEdges.set(a, out);
  }
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (folder: string): void => {
    state.set(folder, 'open');
    stack.push(folder);
    for (const next of [...(folderEdges.get(folder)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') {
        const loop = [...stack.slice(stack.indexOf(next)), next];
        const steps = loop.slice(0, -1).map((f, i) => `  ${folderEdges.get(f)?.get(loop[i + 1])}`);
        cycles.add(`${loop.join(' -> ')}\n${steps.join('\n')}`);
      } else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(folder, 'done');
  };
  for (const folder of [...folderEdges.keys()].sort()) if (!state.has(folder)) visit(folder);
  return [...cycles];
}

/** Renderer files whose bundle would pull in Node-only code, each with the chain of imports that does it. */
function browserNodeImports(graph: Graph): string[] {
  const runtime = new Map<string, string[]>();
  for (const e of graph.edges) if (!e.typeOnly) runtime.set(e.from, [...(runtime.get(e.from) ?? []), e.to]);
  const nodeUse = (file: string): string | undefined => graph.packages.get(file)?.find((r) => !r.typeOnly && isNodeOnly(r.spec))?.spec;
  const problems: string[] = [];
  for (const start of graph.files.keys()) {
    if (!start.startsWith('renderer/') || isTest(start)) continue;
    // Breadth-first, so the chain reported is a shortest one.
    const via = new Map<string, string>([[start, '']]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const file = queue[i];
      const spec = nodeUse(file);
      if (spec !== undefined) {
        const chain = [file];
        for (let f = via.get(file); f; f = via.get(f)) chain.unshift(f);
        problems.push(`${chain.join(' -> ')} ('${spec}')`);
        break;
      }
      for (const next of runtime.get(file) ?? []) {
        if (via.has(next)) continue;
        via.set(next, file);
        queue.push(next);
      }
    }
  }
  return problems;
}

/**
 * The chain of imports by which `start` loads TensorFlow.js as soon as it is
 * loaded itself (static, non-type imports only), or undefined.
 */
function eagerTensorFlow(graph: Graph, start: string): string | undefined {
  const eager = new Map<string, string[]>();
  for (const e of graph.edges) if (!e.typeOnly && !e.lazy) eager.set(e.from, [...(eager.get(e.from) ?? []), e.to]);
  const via = new Map<string, string>([[start, '']]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i];
    const tf = graph.packages.get(file)?.find((r) => !r.typeOnly && !r.lazy && r.spec.startsWith('@tensorflow/'));
    if (tf) {
      const chain = [file];
      for (let f = via.get(file); f; f = via.get(f)) chain.unshift(f);
      return `${chain.join(' -> ')} ('${tf.spec}')`;
    }
    for (const next of eager.get(file) ?? []) {
      if (via.has(next)) continue;
      via.set(next, file);
      queue.push(next);
    }
  }
  return undefined;
}

/** Core files that import the desktop shell, the renderer or the end-to-end tests. */
function coreImportsOfApps(graph: Graph): string[] {
  const apps = /^(electron|renderer|e2e)\//;
  const bad = graph.edges.filter((e) => e.from.startsWith('core/') && apps.test(e.to)).map((e) => `${e.from} imports ${e.to}`);
  for (const [file, refs] of graph.packages) {
    if (!file.startsWith('core/')) continue;
    for (const r of refs) if (packageOf(r.spec) === 'electron') bad.push(`${file} imports the electron package`);
  }
  return bad;
}

/** core/**\/index.ts files that no file outside their own folder imports. */
function unusedBarrels(graph: Graph): string[] {
  const barrels = [...graph.files.keys()].filter((f) => f.startsWith('core/') && /\/index\.ts$/.test(f));
  return barrels.filter((barrel) => !graph.edges.some((e) => e.to === barrel && dirname(e.from) !== dirname(barrel)));
}

/** The files a folder offers to the rest of the repository, when it has a surface. */
const SURFACE_FILES = ['index.ts', 'browser.ts'];

/** Non-test imports from outside a core folder that has an index.ts into any of its other files. */
function deepImports(graph: Graph): string[] {
  const surfaced = new Set([...graph.files.keys()].filter((f) => /^core\/[^/]+\/index\.ts$/.test(f)).map((f) => dirname(f)));
  const exempt = (file: string): boolean => isTest(file) || /(^|\/)testing(\/|\.ts$)/.test(file);
  return graph.edges
    .filter((e) => {
      const folder = coreFolderOf(e.to);
      if (folder === undefined || !surfaced.has(folder) || exempt(e.from)) return false;
      if (e.from.startsWith(`${folder}/`)) return false;
      return !SURFACE_FILES.includes(e.to.slice(folder.length + 1));
    })
    .map((e) => `${e.from} imports ${e.to}`);
}

/** Core folders the renderer may import from anywhere inside: everything in them runs in a browser. */
const BROWSER_FOLDERS = ['core/api', 'core/charts'];

/** Renderer imports of core files outside the browser folders and the browser.ts surfaces, type-only ones included. */
function rendererCoreImports(graph: Graph): string[] {
  return graph.edges
    .filter((e) => e.from.startsWith('renderer/') && e.to.startsWith('core/'))
    .filter((e) => !BROWSER_FOLDERS.some((f) => e.to.startsWith(`${f}/`)) && !/^core\/[^/]+\/browser\.ts$/.test(e.to))
    .map((e) => `${e.from} imports ${e.to}`);
}

/** Source files whose name is neither kebab-case nor, for a .tsx component, PascalCase. */
function misnamedFiles(files: Iterable<string>): string[] {
  const kebab = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*\.(ts|tsx|mts|cts)$/;
  const component = /^[A-Z][A-Za-z0-9]*(\.test)?\.tsx$/;
  return [...files].filter((file) => {
    const name = file.slice(file.lastIndexOf('/') + 1);
    return !kebab.test(name) && !component.test(name);
  });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(path, out);
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function repositoryGraph(): Graph {
  const files = new Map<string, string>();
  // This file is left out: its hand-made sources below are fixtures, not imports.
  const self = 'core/architecture.test.ts';
  for (const dir of SCANNED) for (const file of walk(dir)) if (file !== self) files.set(file, readFileSync(join(ROOT, file), 'utf8'));
  const exists = (path: string): boolean => {
    if (files.has(path)) return true;
    try {
      readFileSync(join(ROOT, path));
      return true;
    } catch {
      return false;
    }
  };
  return buildGraph(files, exists);
}

/** A graph from inline sources, every named file existing. */
function fakeGraph(sources: Record<string, string>): Graph {
  const files = new Map(Object.entries(sources));
  return buildGraph(files, (path) => files.has(path));
}

describe('the import parser and the rules, on hand-made sources', () => {
  it('reads static, multi-line, type-only, side-effect and dynamic imports, not prose', () => {
    const refs = parseImports(
      [
        "import { a,\n  b } from './a.js';",
        "import type { T } from '../t.js';",
        "export * from './all.js';",
        "export type { U } from './u.js';",
        "import './side.css';",
        "const m = await import('./lazy.js');",
        '/** the value comes from the config */',
        "// see 'import x from the docs'",
        "  import d, { e as f } from 'node:fs';",
      ].join('\n'),
    );
    expect(refs).toEqual([
      { spec: './a.js', typeOnly: false },
      { spec: '../t.js', typeOnly: true },
      { spec: './all.js', typeOnly: false },
      { spec: './u.js', typeOnly: true },
      { spec: './side.css', typeOnly: false },
      { spec: 'node:fs', typeOnly: false },
      { spec: './lazy.js', typeOnly: false, lazy: true },
    ]);
  });

  it('follows the static imports of a module to TensorFlow.js, not its dynamic or type imports', () => {
    const graph = fakeGraph({
      'core/cli/main.ts': "import { a } from './a.js';\nimport type { M } from '../model/net.js';",
      'core/cli/a.ts': "import { b } from '../model/io.js';\nconst { train } = await import('../train/train.js');",
      'core/model/io.ts': "import { z } from 'zod';",
      'core/model/net.ts': "import * as tf from '@tensorflow/tfjs';",
      'core/train/train.ts': "import * as tf from '@tensorflow/tfjs';",
      'core/cli/b.ts': "import { c } from './a.js';\nimport { d } from './c.js';",
      'core/cli/c.ts': "import { e } from '../model/net.js';",
    });
    expect(eagerTensorFlow(graph, 'core/cli/main.ts')).toBeUndefined();
    expect(eagerTensorFlow(graph, 'core/cli/b.ts')).toBe("core/cli/b.ts -> core/cli/c.ts -> core/model/net.ts ('@tensorflow/tfjs')");
  });

  it('finds a folder cycle, through type imports too, and ignores tests', () => {
    const graph = fakeGraph({
      'core/sim/chain.ts': "import type { F } from '../dataset/features.js';",
      'core/dataset/features.ts': "export const F = 1;",
      'core/dataset/windows.ts': "import { x } from '../sim/chain.js';",
      'core/trace/a.test.ts': "import { x } from '../sim/chain.js';",
      'core/sim/b.ts': "import { y } from '../trace/load.js';",
      'core/trace/load.ts': 'export const y = 2;',
    });
    expect(folderCycles(graph)).toEqual([
      'core/dataset -> core/sim -> core/dataset\n  core/dataset/windows.ts imports core/sim/chain.ts\n  core/sim/chain.ts imports core/dataset/features.ts',
    ]);
  });

  it('follows runtime imports from the renderer to Node-only code, not type imports', () => {
    const graph = fakeGraph({
      'renderer/App.tsx': "import { run } from '../core/api/client.js';\nimport type { S } from '../core/host/server.js';",
      'core/api/client.ts': "import { hash } from '../trace/hash.js';",
      'core/trace/hash.ts': "import { createHash } from 'node:crypto';",
      'core/host/server.ts': "import { WebSocketServer } from 'ws';",
      'renderer/safe.ts': "import { clamp } from './lib.js';",
      'renderer/lib.ts': "import { create } from 'zustand';",
    });
    expect(browserNodeImports(graph)).toEqual(["renderer/App.tsx -> core/api/client.ts -> core/trace/hash.ts ('node:crypto')"]);
  });

  it('flags core importing the apps, and barrels nobody outside imports', () => {
    const graph = fakeGraph({
      'core/api/shell.ts': "import { menu } from '../../electron/menu.js';\nimport { app } from 'electron';",
      'electron/menu.ts': 'export const menu = 1;',
      'core/sim/index.ts': "export * from './chain.js';",
      'core/sim/chain.ts': "import { y } from '../trace/index.js';",
      'core/trace/index.ts': 'export const y = 1;',
    });
    expect(coreImportsOfApps(graph)).toEqual(['core/api/shell.ts imports electron/menu.ts', 'core/api/shell.ts imports the electron package']);
    expect(unusedBarrels(graph)).toEqual(['core/sim/index.ts']);
  });

  it('flags imports past a folder\'s surface, not through it, inside it, or from tests and test helpers', () => {
    const graph = fakeGraph({
      'core/trace/index.ts': "export * from './browser.js';\nexport { load } from './load.js';",
      'core/trace/browser.ts': "export { clock } from './clock.js';",
      'core/trace/load.ts': "import { clock } from './clock.js';",
      'core/trace/clock.ts': 'export const clock = 1;',
      'core/sim/a.ts': "import { load } from '../trace/index.js';\nimport { clock } from '../trace/browser.js';",
      'core/sim/b.ts': "import type { clock } from '../trace/clock.js';",
      'renderer/c.ts': "import { clock } from '../core/trace/clock.js';",
      'core/sim/b.test.ts': "import { load } from '../trace/load.js';",
      'core/sim/testing.ts': "import { load } from '../trace/load.js';",
      'core/api/x.ts': 'export const x = 1;',
      'core/sim/c.ts': "import { x } from '../api/x.js';",
    });
    expect(deepImports(graph)).toEqual(['core/sim/b.ts imports core/trace/clock.ts', 'renderer/c.ts imports core/trace/clock.ts']);
  });

  it('lets the renderer reach core through the browser folders and browser.ts surfaces only', () => {
    const graph = fakeGraph({
      'renderer/a.ts': "import { c } from '../core/api/client.js';\nimport { t } from '../core/trace/browser.js';\nimport type { J } from '../core/trace/job.js';\nimport { p } from '../core/pipeline/config.js';",
      'core/api/client.ts': 'export const c = 1;',
      'core/trace/browser.ts': "export { t } from './clock.js';",
      'core/trace/job.ts': 'export type J = 1;',
      'core/pipeline/config.ts': 'export const p = 1;',
    });
    expect(rendererCoreImports(graph)).toEqual(['renderer/a.ts imports core/trace/job.ts', 'renderer/a.ts imports core/pipeline/config.ts']);
  });

  it('accepts kebab-case modules and PascalCase components, nothing else', () => {
    const names = ['core/sim/fast-engine.ts', 'core/validate/reward-log.test.ts', 'core/trace/formats/slurm-row.ts', 'renderer/pages/RunPage.tsx', 'renderer/main.tsx', 'core/sim/fastEngine.ts', 'renderer/lib/Format.ts', 'core/a_b.ts'];
    expect(misnamedFiles(names)).toEqual(['core/sim/fastEngine.ts', 'renderer/lib/Format.ts', 'core/a_b.ts']);
  });
});

describe('the repository', () => {
  const graph = repositoryGraph();

  it('has every relative import resolved (the parser reads what the compiler reads)', () => {
    expect(graph.edges.length).toBeGreaterThan(1000);
    expect(graph.unresolved).toEqual([]);
  });

  it('(a) has no import cycle between core folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('(b) has no renderer file that loads Node-only core code', () => {
    expect(browserNodeImports(graph)).toEqual([]);
  });

  it('(c) has no core file importing electron/, renderer/ or e2e/', () => {
    expect(coreImportsOfApps(graph)).toEqual([]);
  });

  it('(d) has no unused barrel in core', () => {
    expect(unusedBarrels(graph)).toEqual([]);
  });

  it('(e) reaches folders with a public surface only through it', () => {
    expect(deepImports(graph)).toEqual([]);
  });

  it('(g) has the renderer reach core by folder: the browser folders and browser.ts surfaces', () => {
    expect(rendererCoreImports(graph)).toEqual([]);
  });

  it('(h) starts the CLI without loading TensorFlow.js (the commands that need it import it when they run)', () => {
    expect(eagerTensorFlow(graph, 'core/cli/main.ts')).toBeUndefined();
  });

  it('(f) names every source file in one style', () => {
    expect(misnamedFiles(graph.files.keys())).toEqual([]);
  });
});
