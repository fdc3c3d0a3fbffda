import { describe, expect, it } from 'vitest';
import { heldOutName, heldOutNames } from './held-out-names.js';

describe('old names of the held-out tail', () => {
  it('renames the keys older files used, a phase prefix included, and nothing else', () => {
    expect(heldOutNames({ validationRows: 10, trainRows: 40, valLoss: 0.5, expertsValMaeHours: 1.5 })).toEqual({ heldOutRows: 10, trainRows: 40, heldOutLoss: 0.5, expertsHeldOutMaeHours: 1.5 });
    expect(heldOutName('validationStart')).toBe('validationStart');
  });

  it("keeps today's value when a file has both names, and passes non-objects through", () => {
    expect(heldOutNames({ valLoss: 1, heldOutLoss: 2 })).toEqual({ heldOutLoss: 2 });
    expect(heldOutNames(null)).toBeNull();
    expect(heldOutNames([1])).toEqual([1]);
  });
});
