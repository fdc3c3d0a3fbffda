import pkg from '../package.json' with { type: 'json' };

/** The tool's version, written into every artifact it produces (manifests, models, reports). */
export const TOOL_VERSION: string = pkg.version;
export const TOOL_NAME = 'mirage-workbench';
