/**
 * Anomaly detection for anomaly alarms: a robust per-series model of the expected value (trend and
 * hourly, daily, weekly seasonality) with a noise scale, and the band of k standard deviations the
 * alarm compares values with.
 */
export { type AnomalyBand, anomalyBand, type BandDirection, isOutside } from './band.js';
export {
  ABSOLUTE_STDDEV_FLOOR,
  type AnomalyModel,
  type AnomalyModelOptions,
  type AnomalyPrediction,
  DEFAULT_MAX_TRAINING_MS,
  type ExcludedRange,
  fitAnomalyModel,
  loadAnomalyModel,
  MIN_TRAINING_POINTS,
  MIN_TRAINING_SPAN_MS,
  predictAnomaly,
  RELATIVE_STDDEV_FLOOR,
  SEASONALITIES,
  type Seasonality,
} from './model.js';
