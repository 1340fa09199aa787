package io.contrail.http.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM text of {@code --tls-cert} and {@code --tls-key}: its {@code -----BEGIN LABEL-----} blocks, and
 * the traditional OpenSSL private keys (PKCS#1 {@code RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}) rewritten
 * as the PKCS#8 that the JDK's key factories read. Text outside the blocks (openssl's "Bag Attributes") is
 * ignored, as OpenSSL ignores it.
 */
final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----", Pattern.DOTALL);
    /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** The OID id-ecPublicKey (1.2.840.10045.2.1), with its tag and length. */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    /** One block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, …), headers and the decoded bytes. */
    record Block(String label, boolean encrypted, byte[] der) {
    }

    private Pem() {
    }

    /**
     * The blocks of {@code text} in order.
     *
     * @throws IllegalArgumentException when a block's body is not base64
     */
    static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            StringBuilder base64 = new StringBuilder();
            boolean encrypted = false;
            for (String line : block.group(2).split("\\R")) {
                if (line.contains(":")) {
                    // RFC 1421 headers of a traditional key, e.g. "Proc-Type: 4,ENCRYPTED".
                    encrypted |= line.startsWith("Proc-Type:") && line.contains("ENCRYPTED");
                } else {
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(block.group(1), encrypted, Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the " + block.group(1) + " block is not valid base64");
            }
        }
        return blocks;
    }

    /** A PKCS#1 {@code RSAPrivateKey} as a PKCS#8 {@code PrivateKeyInfo}. */
    static byte[] pkcs8FromPkcs1(byte[] rsaPrivateKey) {
        return der(0x30, VERSION_0, RSA_ALGORITHM, der(0x04, rsaPrivateKey));
    }

    /**
     * A SEC1 {@code ECPrivateKey} as a PKCS#8 {@code PrivateKeyInfo}. Its curve is the one the key names (openssl
     * always writes it); a key without one (some tools leave it out) is taken to be on the curve of the
     * certificate's public key {@code certificateKeyInfo} (a {@code SubjectPublicKeyInfo}), and if it is not,
     * it does not belong to that certificate anyway.
     *
     * @throws IllegalArgumentException when the key is not DER, or names no curve and the certificate's key is not EC
     */
    static byte[] pkcs8FromSec1(byte[] ecPrivateKey, byte[] certificateKeyInfo) {
        Der key = new Der(ecPrivateKey);
        Der sequence = key.enter(0x30);
        sequence.skip(0x02);                     // version 1
        sequence.skip(0x04);                     // the private key octets
        byte[] curve;
        if (sequence.atTag(0xa0)) {
            curve = sequence.enter(0xa0).rest(); // [0] ECParameters: the named curve's OID
        } else {
            Der algorithm = new Der(certificateKeyInfo).enter(0x30).enter(0x30);
            byte[] oid = algorithm.next(0x06);
            if (!java.util.Arrays.equals(oid, EC_PUBLIC_KEY_OID)) {
                throw new IllegalArgumentException("the EC private key names no curve, and the certificate's key is "
                        + "not an EC key");
            }
            curve = algorithm.rest();
        }
        return der(0x30, VERSION_0, der(0x30, EC_PUBLIC_KEY_OID, curve), der(0x04, ecPrivateKey));
    }

    /** A DER element: {@code tag}, definite length, then the parts' bytes. */
    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        ByteArrayOutputStream element = new ByteArrayOutputStream();
        element.write(tag);
        int length = content.size();
        if (length < 0x80) {
            element.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            element.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                element.write(length >>> (8 * i));
            }
        }
        element.writeBytes(content.toByteArray());
        return element.toByteArray();
    }

    /** Reads DER elements in order, as far as SEC1's few fields need. */
    private static final class Der {
        private final byte[] bytes;
        private int position;
        private final int end;

        Der(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        private Der(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean atTag(int tag) {
            return position < end && (bytes[position] & 0xff) == tag;
        }

        /** The next element's content, which must have {@code tag}; moves past the element. */
        Der enter(int tag) {
            if (!atTag(tag)) {
                throw new IllegalArgumentException("the key is not DER as expected");
            }
            position++;
            int length = length();
            if (length > end - position) {
                throw new IllegalArgumentException("the key is truncated");
            }
            Der content = new Der(bytes, position, position + length);
            position += length;
            return content;
        }

        void skip(int tag) {
            enter(tag);
        }

        /** The next element whole (tag, length, content), which must have {@code tag}; moves past it. */
        byte[] next(int tag) {
            int start = position;
            enter(tag);
            return java.util.Arrays.copyOfRange(bytes, start, position);
        }

        byte[] rest() {
            return java.util.Arrays.copyOfRange(bytes, position, end);
        }

        private int length() {
            if (position >= end) {
                throw new IllegalArgumentException("the key is truncated");
            }
            int first = bytes[position++] & 0xff;
            if (first < 0x80) {
                return first;
            }
            int count = first & 0x7f;
            if (count == 0 || count > 3 || count > end - position) {
                throw new IllegalArgumentException("the key is not DER as expected");
            }
            int length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (bytes[position++] & 0xff);
            }
            return length;
        }
    }
}
