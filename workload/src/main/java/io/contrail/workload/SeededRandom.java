package io.contrail.workload;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.SplittableRandom;

/**
 * The single source of randomness of one workload: every draw goes through it, so the seed alone
 * fixes the output. Not thread-safe.
 *
 * <p>Gaussian draws use the polar method with {@link StrictMath}, not {@code
 * RandomGenerator.nextGaussian()}, so that a seed gives the same bytes on every JVM and platform.
 */
final class SeededRandom {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final SplittableRandom random;
  private double spareGaussian;
  private boolean hasSpareGaussian;

  SeededRandom(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return random.nextDouble();
  }

  /** Uniform in [0, bound). */
  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Uniform in [origin, bound). */
  int nextInt(int origin, int bound) {
    return random.nextInt(origin, bound);
  }

  /** Uniform in [0, bound). */
  long nextLong(long bound) {
    return random.nextLong(bound);
  }

  /** True with the given probability. */
  boolean chance(double probability) {
    return random.nextDouble() < probability;
  }

  /** A standard normal draw (mean 0, standard deviation 1). */
  double nextGaussian() {
    if (hasSpareGaussian) {
      hasSpareGaussian = false;
      return spareGaussian;
    }
    double u;
    double v;
    double s;
    do {
      u = 2 * random.nextDouble() - 1;
      v = 2 * random.nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double scale = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    spareGaussian = v * scale;
    hasSpareGaussian = true;
    return u * scale;
  }

  /** One of {@code values}, uniformly. */
  <T> T pick(T[] values) {
    return values[random.nextInt(values.length)];
  }

  /** A 16-byte W3C trace id; never all zeros. */
  ByteString traceId() {
    long high;
    long low;
    do {
      high = random.nextLong();
      low = random.nextLong();
    } while (high == 0 && low == 0);
    byte[] bytes = new byte[16];
    putLong(bytes, 0, high);
    putLong(bytes, 8, low);
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** An 8-byte span id; never all zeros. */
  ByteString spanId() {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    byte[] bytes = new byte[8];
    putLong(bytes, 0, id);
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** A random version-4 UUID in its canonical lower-case text form. */
  String uuid() {
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    char[] chars = new char[36];
    int at = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        chars[at++] = '-';
      }
      long word = i < 8 ? high : low;
      int shift = 56 - 8 * (i % 8);
      int b = (int) (word >>> shift) & 0xFF;
      chars[at++] = HEX[b >>> 4];
      chars[at++] = HEX[b & 0xF];
    }
    return new String(chars);
  }

  /** {@code length} random lower-case hex digits. */
  String hex(int length) {
    char[] chars = new char[length];
    long bits = 0;
    for (int i = 0; i < length; i++) {
      if (i % 16 == 0) {
        bits = random.nextLong();
      }
      chars[i] = HEX[(int) (bits & 0xF)];
      bits >>>= 4;
    }
    return new String(chars);
  }

  private static void putLong(byte[] bytes, int offset, long value) {
    for (int i = 7; i >= 0; i--) {
      bytes[offset + i] = (byte) value;
      value >>>= 8;
    }
  }
}
