import { describe, expect, it } from 'vitest';
import { formatPythonFloat } from './pyfloat.js';

describe('formatPythonFloat', () => {
  // Each expected string is what CPython 3.11 prints for repr(x).
  const cases: [number, string][] = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-2, '-2.0'],
    [0.5, '0.5'],
    [1 / 3, '0.3333333333333333'],
    [-600 / 3600, '-0.16666666666666666'],
    [1e-5, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [0.00012345, '0.00012345'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [9999999999999998, '9999999999999998.0'],
    [Math.fround(0.1234567), '0.12345670163631439'],
    [Math.fround(-3.7), '-3.700000047683716'],
    [27120 / 3600, '7.533333333333333'],
    [(2880 * 60) / 3600, '48.0'],
    [100 / 3600, '0.027777777777777776'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [Number.NaN, 'nan'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ];
  it.each(cases)('%s prints as %s', (x, expected) => {
    expect(formatPythonFloat(x)).toBe(expected);
  });
});
