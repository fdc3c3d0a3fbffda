/**
 * The part of core/pipeline that runs anywhere: the run configuration (its
 * schema, defaults, windows and checks), which the workbench's form edits.
 * The renderer reaches core only through such browser.ts surfaces and the
 * folders that run anywhere whole (api, charts): core/architecture.test.ts.
 */
export * from './config.js';
