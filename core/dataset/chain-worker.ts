import { createSampleFunction } from './chain-source.js';
import { sampleTaskHandler } from './source.js';

/** The pool worker that simulates dataset samples from a trace (see source.ts). */
export { createSampleFunction };
export default sampleTaskHandler(createSampleFunction);
