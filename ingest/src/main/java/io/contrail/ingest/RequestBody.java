package io.contrail.ingest;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads a request body into memory, undoing its Content-Encoding, never holding more than a stated
 * number of bytes.
 *
 * <p>Both the bytes on the wire and the decompressed bytes are bounded by {@code maxBytes}: a gzip
 * bomb is cut off after {@code maxBytes + 1} inflated bytes, whatever its advertised size. The
 * caller keeps ownership of the input stream; it is read but not closed.
 */
public final class RequestBody {

    /** Largest body, raw or decompressed, that receivers accept unless configured otherwise. */
    public static final long DEFAULT_MAX_BODY_BYTES = 64L * 1024 * 1024;

    /** The JVM cannot allocate a byte array much larger than this. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private RequestBody() {}

    /**
     * A body as it came ({@code wire}: what the write-ahead log keeps) and decoded ({@code body}: what
     * the decoders read); the same array when it was not gzip'd.
     */
    public record Received(byte[] wire, byte[] body, boolean gzip) {
    }

    /** Like {@link #read}, keeping the body as it came on the wire too. */
    public static Received receive(InputStream in, String contentEncoding, long maxBytes) throws IOException {
        if (!isGzip(contentEncoding)) {
            byte[] body = read(in, null, maxBytes);
            return new Received(body, body, false);
        }
        byte[] wire = read(in, null, maxBytes);
        return new Received(wire, read(new java.io.ByteArrayInputStream(wire), contentEncoding, maxBytes), true);
    }

    /**
     * Reads the whole body and returns it decoded.
     *
     * @param contentEncoding the Content-Encoding header: null, empty or {@code identity} for none,
     *     {@code gzip} (or {@code x-gzip}) for gzip; names are case-insensitive
     * @param maxBytes the most bytes accepted, on the wire and after decompression
     * @throws IngestException 413 when the body exceeds {@code maxBytes}, 415 for another encoding,
     *     400 when a gzip body is corrupt or truncated
     * @throws IOException when reading the input stream itself fails (the client went away, a
     *     timeout): that is no fault of the body's format, so it is not turned into a 400
     */
    public static byte[] read(InputStream in, String contentEncoding, long maxBytes)
            throws IOException {
        if (maxBytes < 0 || maxBytes > MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException(
                    "maxBytes must be between 0 and " + MAX_ARRAY_BYTES + ", got " + maxBytes);
        }
        boolean gzip = isGzip(contentEncoding);
        var wire = new BoundedWireInput(in, maxBytes);
        try {
            if (!gzip) {
                return wire.readNBytes((int) maxBytes + 1);
            }
            try (var inflated = new GZIPInputStream(wire)) {
                byte[] body = inflated.readNBytes((int) maxBytes + 1);
                if (body.length > maxBytes) {
                    throw IngestException.tooLarge(
                            "decompressed request body exceeds the limit of " + maxBytes + " bytes");
                }
                return body;
            }
        } catch (TransportFailure e) {
            throw e.transportCause();
        } catch (EOFException e) {
            throw IngestException.malformed("gzip request body is truncated", e);
        } catch (IOException e) {
            throw IngestException.malformed("gzip request body is corrupt: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the Content-Encoding asks for gzip. A list ("gzip, identity") is accepted as long as
     * it holds at most one gzip; anything else is refused with 415 naming it.
     */
    private static boolean isGzip(String contentEncoding) {
        if (contentEncoding == null) {
            return false;
        }
        int gzipCount = 0;
        for (String coding : contentEncoding.split(",")) {
            String name = coding.strip().toLowerCase(Locale.ROOT);
            switch (name) {
                case "", "identity" -> { }
                case "gzip", "x-gzip" -> gzipCount++;
                default -> throw IngestException.unsupportedMediaType(
                        "unsupported Content-Encoding '" + coding.strip() + "'; accepted: gzip, identity");
            }
        }
        if (gzipCount > 1) {
            throw IngestException.unsupportedMediaType(
                    "unsupported Content-Encoding '" + contentEncoding.strip()
                            + "': gzip may be applied once");
        }
        return gzipCount == 1;
    }

    /**
     * The body as it arrives on the wire: refuses to deliver more than {@code maxBytes}, marks
     * failures of the underlying stream so they are not mistaken for a corrupt gzip, and does not
     * close the caller's stream.
     */
    private static final class BoundedWireInput extends FilterInputStream {
        private final long maxBytes;
        private long bytesRead;

        BoundedWireInput(InputStream in, long maxBytes) {
            super(in);
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n;
            try {
                n = in.read(buffer, offset, length);
            } catch (IOException e) {
                throw new TransportFailure(e);
            }
            if (n > 0) {
                bytesRead += n;
                if (bytesRead > maxBytes) {
                    throw IngestException.tooLarge(
                            "request body exceeds the limit of " + maxBytes + " bytes");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // GZIPInputStream skips optional header fields; route it through read() so it is counted.
            byte[] scratch = new byte[(int) Math.min(n, 512)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (r == -1) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        /**
         * GZIPInputStream looks for a further gzip member only when {@code available() > 0}, and a
         * network stream often reports 0 while more data is on its way: that would silently drop the
         * later members of a concatenated body. Always let it look; at the real end of the stream
         * the header read meets end-of-file and GZIPInputStream ends normally.
         */
        @Override
        public int available() {
            return 1;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // The caller owns the stream.
        }
    }

    /** An IOException from the underlying stream, carried past the gzip layer's own IOExceptions. */
    private static final class TransportFailure extends IOException {
        TransportFailure(IOException cause) {
            super(cause);
        }

        IOException transportCause() {
            return (IOException) getCause();
        }
    }
}
