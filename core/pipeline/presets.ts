import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig, parsePipelineConfig } from './config.js';
import type { PipelineConfig } from './config.js';

/**
 * The project folder (holding assets/): walked up to from this module, so it
 * is found from core/pipeline (tests, tsx) and dist/core/pipeline (CLI) alike.
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'assets', 'presets'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function presetsDir(): string {
  const root = packageRoot();
  if (!root) throw new Error('cannot find assets/presets next to the mirage installation');
  return join(root, 'assets', 'presets');
}

export function listPresets(): string[] {
  return readdirSync(presetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

export function readPreset(name: string): unknown {
  const path = join(presetsDir(), `${name}.json`);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name) || !existsSync(path)) {
    throw new Error(`unknown preset '${name}': expected one of ${listPresets().join(', ')}`);
  }
  return readJson(path);
}

export interface LoadedConfig {
  config: PipelineConfig;
  /** The trace path made absolute. */
  tracePath: string;
  /** Where the config came from, for messages. */
  source: string;
}

/**
 * The configuration of `mirage run`: the preset (if any), the config file
 * overlaid on it (if any), the schema's defaults for the rest. A relative
 * trace path starts at the config file's folder (the working directory
 * without one); a bundled trace (assets/traces/...) is also found from the
 * installation, so the presets run from any folder.
 */
export function loadPipelineConfig(options: { configPath?: string; preset?: string; cwd?: string }): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const base = options.preset ? readPreset(options.preset) : {};
  const file = options.configPath ? readJson(resolve(cwd, options.configPath)) : {};
  const source = [options.preset && `preset ${options.preset}`, options.configPath].filter(Boolean).join(' + ') || 'defaults';
  const config = parsePipelineConfig(mergeConfig(base, file), options.configPath ?? source);
  const baseDir = options.configPath ? dirname(resolve(cwd, options.configPath)) : cwd;
  let tracePath = isAbsolute(config.trace.path) ? config.trace.path : resolve(baseDir, config.trace.path);
  if (!existsSync(tracePath) && !isAbsolute(config.trace.path)) {
    const root = packageRoot();
    const bundled = root ? join(root, config.trace.path) : null;
    if (bundled && existsSync(bundled)) tracePath = bundled;
  }
  return { config, tracePath, source };
}
