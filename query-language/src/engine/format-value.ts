/** `NaN`, `+Inf`, `-Inf`, `-0` as Prometheus prints them, else JavaScript's shortest round-trip text. */
function specialOrShortest(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/**
 * Formats a sample value exactly as Prometheus writes it in query JSON (`jsonutil.MarshalFloat`):
 * `+Inf`, `-Inf`, `NaN`; exponent notation when |v| < 1e-6 or |v| ≥ 1e21, with the exponent padded
 * to two digits (`1e-07`, `1.5e+21`); otherwise plain shortest round-trip decimal
 * (`0.000001`, `123456789012345680`, `100000000000000000000`).
 */
export function formatPromValue(v: number): string {
  const text = specialOrShortest(v);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = text[e + 1]!;
  const digits = text.slice(e + 2);
  return `${text.slice(0, e)}e${sign}${digits.padStart(2, '0')}`;
}

/**
 * Formats a scalar result as Prometheus writes it (`promql.Scalar.MarshalJSON`, Go's
 * `strconv.FormatFloat(v, 'f', -1, 64)`): the shortest round-trip digits, never in exponent form
 * (`1e21` → `1000000000000000000000`, `5e-324` → `0.000…0005`), and `+Inf`, `-Inf`, `NaN`.
 */
export function formatPromScalar(v: number): string {
  const text = specialOrShortest(v);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = v < 0 ? '-' : '';
  const mantissa = text.slice(sign.length, e);
  const exponent = Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  // The decimal point sits after `intDigits` digits of `digits`.
  const intDigits = (point < 0 ? mantissa.length : point) + exponent;
  if (intDigits <= 0) return `${sign}0.${'0'.repeat(-intDigits)}${digits}`;
  if (intDigits >= digits.length) return sign + digits + '0'.repeat(intDigits - digits.length);
  return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
}
