import { sampleTaskHandler } from '../source.js';
import { createSampleFunction } from './fake-source.js';

export { createSampleFunction };
export default sampleTaskHandler(createSampleFunction);
