package io.contrail.ingest;

import java.util.Locale;

/** The two bodies OTLP/HTTP defines, each with the Content-Type that announces it. */
public enum OtlpEncoding {
    PROTOBUF("application/x-protobuf"),
    JSON("application/json");

    private final String contentType;

    OtlpEncoding(String contentType) {
        this.contentType = contentType;
    }

    /** The Content-Type to send a body of this encoding with. */
    public String contentType() {
        return contentType;
    }

    /**
     * The encoding a request's Content-Type announces; parameters such as {@code charset} are
     * ignored.
     *
     * @throws IngestException 415 for any other or a missing Content-Type
     */
    public static OtlpEncoding ofContentType(String contentType) {
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip()
                .toLowerCase(Locale.ROOT);
        return switch (mediaType) {
            case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
            case "application/json" -> JSON;
            default -> throw IngestException.unsupportedMediaType(
                    (mediaType.isEmpty() ? "missing Content-Type" : "unsupported Content-Type '"
                            + contentType.strip() + "'")
                            + "; OTLP/HTTP accepts application/x-protobuf or application/json");
        };
    }
}
