package io.contrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestBodyTest {

    private static final int MIB = 1024 * 1024;
    private static final byte[] BODY =
            "{\"resourceSpans\":[]}".repeat(100).getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"identity", "IDENTITY", " identity "})
    void anUnencodedBodyIsReturnedAsIs(String contentEncoding) throws IOException {
        assertThat(RequestBody.read(new ByteArrayInputStream(BODY), contentEncoding, BODY.length))
                .isEqualTo(BODY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "GZip", "x-gzip", "gzip, identity"})
    void aGzipBodyIsInflated(String contentEncoding) throws IOException {
        assertThat(RequestBody.read(new ByteArrayInputStream(gzip(BODY)), contentEncoding,
                BODY.length)).isEqualTo(BODY);
    }

    @Test
    void concatenatedGzipMembersAreAllRead() throws IOException {
        byte[] twoMembers = concat(gzip(BODY), gzip(BODY));
        // A network stream that never reports bytes as available, delivering a few at a time.
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(twoMembers)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 7));
            }

            @Override
            public int available() {
                return 0;
            }
        };

        assertThat(RequestBody.read(trickle, "gzip", RequestBody.DEFAULT_MAX_BODY_BYTES))
                .isEqualTo(concat(BODY, BODY));
    }

    @Test
    void aBodyOverTheLimitIsTooLarge() {
        assertThatThrownBy(() ->
                RequestBody.read(new ByteArrayInputStream(BODY), null, BODY.length - 1))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(413);
                    assertThat(e.getMessage()).isEqualTo(
                            "request body exceeds the limit of " + (BODY.length - 1) + " bytes");
                });
    }

    @Test
    void aGzipBodyOverTheLimitOnTheWireIsTooLarge() throws IOException {
        byte[] random = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(random);
        byte[] compressed = gzip(random); // incompressible: larger on the wire than inflated

        assertThatThrownBy(() ->
                RequestBody.read(new ByteArrayInputStream(compressed), "gzip", random.length))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(413);
                    assertThat(e.getMessage()).startsWith("request body exceeds");
                });
    }

    @Test
    void aGzipBombIsCutOffAtTheLimitWithoutInflatingIt() throws IOException {
        // 100 gzip members of 1 MiB of zeros: about 100 KiB on the wire, 100 MiB inflated.
        byte[] member = gzip(new byte[MIB]);
        byte[] bomb = concat(java.util.Collections.nCopies(100, member).toArray(byte[][]::new));
        assertThat(bomb.length).isLessThan(MIB);
        var wire = new CountingInput(new ByteArrayInputStream(bomb));

        long allocatedBefore = allocatedBytesOfThisThread();
        assertThatThrownBy(() -> RequestBody.read(wire, "gzip", MIB))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(413);
                    assertThat(e.getMessage()).isEqualTo(
                            "decompressed request body exceeds the limit of " + MIB + " bytes");
                });
        long allocated = allocatedBytesOfThisThread() - allocatedBefore;

        assertThat(allocated).as("bytes allocated while reading the bomb").isLessThan(16L * MIB);
        assertThat(wire.bytesRead).as("bytes read from the wire").isLessThan(bomb.length / 10);
    }

    @Test
    void aTenMegabyteGzipOfZerosIsRefusedQuicklyAtTheDefaultLimit() throws IOException {
        // 1,000 members of 10 MiB of zeros: ~10 MB on the wire, ~10 GiB inflated.
        byte[] member = gzip(new byte[10 * MIB]);
        byte[] bomb = concat(java.util.Collections.nCopies(1000, member).toArray(byte[][]::new));
        long allocatedBefore = allocatedBytesOfThisThread();
        long startNanos = System.nanoTime();

        assertThatThrownBy(() -> RequestBody.read(new ByteArrayInputStream(bomb), "gzip",
                RequestBody.DEFAULT_MAX_BODY_BYTES))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(413));

        assertThat(allocatedBytesOfThisThread() - allocatedBefore)
                .isLessThan(4 * RequestBody.DEFAULT_MAX_BODY_BYTES);
        assertThat(System.nanoTime() - startNanos).as("nanoseconds").isLessThan(5_000_000_000L);
    }

    @Test
    void aTruncatedGzipBodyIsABadRequest() throws IOException {
        byte[] compressed = gzip(BODY);
        byte[] truncated = Arrays.copyOf(compressed, compressed.length - 10);

        assertThatThrownBy(() -> RequestBody.read(new ByteArrayInputStream(truncated), "gzip", MIB))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("gzip request body is truncated");
                });
    }

    @Test
    void aBodyThatIsNotGzipIsABadRequest() {
        assertThatThrownBy(() -> RequestBody.read(new ByteArrayInputStream(BODY), "gzip", MIB))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("gzip request body is corrupt: Not in GZIP format");
                });
    }

    @Test
    void aCorruptGzipBodyIsABadRequest() throws IOException {
        byte[] corrupt = gzip(BODY);
        corrupt[corrupt.length / 2] ^= 0x5a;

        assertThatThrownBy(() -> RequestBody.read(new ByteArrayInputStream(corrupt), "gzip", MIB))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(400));
    }

    @ParameterizedTest
    @ValueSource(strings = {"br", "deflate", "zstd", "gzip, br", "gzip, gzip"})
    void anUnknownContentEncodingIsUnsupported(String contentEncoding) {
        assertThatThrownBy(() ->
                RequestBody.read(new ByteArrayInputStream(BODY), contentEncoding, MIB))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(415);
                    assertThat(e.getMessage()).contains("Content-Encoding '");
                });
    }

    @Test
    void theUnsupportedEncodingIsNamed() {
        assertThatThrownBy(() -> RequestBody.read(new ByteArrayInputStream(BODY), "br", MIB))
                .hasMessage("unsupported Content-Encoding 'br'; accepted: gzip, identity");
    }

    @ParameterizedTest
    @ValueSource(strings = {"identity", "gzip"})
    void aFailingConnectionIsAnIoErrorNotABadRequest(String contentEncoding) throws IOException {
        byte[] onWire = contentEncoding.equals("gzip") ? gzip(BODY) : BODY;
        InputStream breaksHalfway = new FilterInputStream(
                new ByteArrayInputStream(Arrays.copyOf(onWire, onWire.length / 2))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n == -1) {
                    throw new IOException("connection reset");
                }
                return n;
            }
        };

        assertThatThrownBy(() -> RequestBody.read(breaksHalfway, contentEncoding, MIB))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("connection reset");
    }

    @Test
    void theCallersStreamIsNotClosed() throws IOException {
        var closed = new boolean[1];
        InputStream in = new ByteArrayInputStream(gzip(BODY)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };

        RequestBody.read(in, "gzip", MIB);

        assertThat(closed[0]).isFalse();
    }

    static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gzip = new GZIPOutputStream(out) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gzip.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static long allocatedBytesOfThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    private static final class CountingInput extends FilterInputStream {
        long bytesRead;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                bytesRead += n;
            }
            return n;
        }
    }
}
