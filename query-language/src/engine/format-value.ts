/**
 * Formats a sample value exactly as Prometheus writes it in query JSON (`jsonutil.MarshalFloat`):
 * `+Inf`, `-Inf`, `NaN`; exponent notation when |v| < 1e-6 or |v| ≥ 1e21, with the exponent padded
 * to two digits (`1e-07`, `1.5e+21`); otherwise plain shortest round-trip decimal
 * (`0.000001`, `123456789012345680`, `100000000000000000000`).
 */
export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const text = String(v);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = text[e + 1]!;
  const digits = text.slice(e + 2);
  return `${text.slice(0, e)}e${sign}${digits.padStart(2, '0')}`;
}
