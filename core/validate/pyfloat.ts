/**
 * Formats a number the way Python's `repr(float)` (and so `f"{x}"`) does,
 * because reward.log must be byte-compatible with the reference's files.
 * Python and JavaScript both print the shortest digits that round-trip; they
 * differ in notation: Python keeps `.0` on integral values and switches to
 * exponent notation below 1e-4 and from 1e16 on, with a two-digit exponent.
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(expText);
  if (exponent < -4 || exponent >= 16) {
    const expSign = exponent < 0 ? '-' : '+';
    const expDigits = String(Math.abs(exponent)).padStart(2, '0');
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${expSign}${expDigits}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intLength = exponent + 1;
  if (digits.length <= intLength) return `${sign}${digits.padEnd(intLength, '0')}.0`;
  return `${sign}${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
}

/** Python's `str(int)`: used where the reference prints an integer (a sampled action). */
export function formatPythonInt(x: number): string {
  if (!Number.isInteger(x)) throw new Error(`formatPythonInt: ${x} is not an integer`);
  return String(x);
}
