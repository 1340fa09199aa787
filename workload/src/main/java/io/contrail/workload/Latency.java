package io.contrail.workload;

/**
 * A log-normal latency distribution, given by its median and its shape {@code sigma}: about 0.3
 * is a tight distribution, 1.0 a long tail (p99 is {@code median * e^(2.33 * sigma)}).
 */
record Latency(long medianNanos, double sigma) {

  Latency {
    if (medianNanos <= 0 || sigma < 0) {
      throw new IllegalArgumentException("median must be positive and sigma non-negative");
    }
  }

  static Latency micros(long medianMicros, double sigma) {
    return new Latency(medianMicros * 1_000L, sigma);
  }

  static Latency millis(double medianMillis, double sigma) {
    return new Latency((long) (medianMillis * 1_000_000L), sigma);
  }

  /** One draw, at least one microsecond. */
  long sampleNanos(SeededRandom random) {
    long nanos = (long) (medianNanos * StrictMath.exp(sigma * random.nextGaussian()));
    return Math.max(1_000L, nanos);
  }
}
