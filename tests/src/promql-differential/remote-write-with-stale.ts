/**
 * The differential suite's names for the shared remote_write encoder, which writes stale markers
 * (`{timestampMs, stale: true}`) as Prometheus' exact NaN bytes.
 */
export {
  type WriteSample,
  type WriteSeries as StaleAwareSeries,
  remoteWriteBody as remoteWriteBodyWithStale,
} from '../lib/remote-write.js';
