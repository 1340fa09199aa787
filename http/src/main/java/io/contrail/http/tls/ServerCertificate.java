package io.contrail.http.tls;

import java.io.IOException;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The server's certificate chain and private key ({@code --tls-cert}, {@code --tls-key}), read from PEM
 * and checked once at start: both files readable, a certificate, a private key that belongs to it, every
 * certificate of the chain valid now. The HTTPS connector, the OTLP/gRPC server and the Flight SQL endpoint take
 * their keys from here, so every port presents the same chain.
 *
 * <p>The certificate file holds the server's certificate first, then any intermediates ({@code CERTIFICATE}
 * blocks). The key file holds an unencrypted key: PKCS#8 ({@code PRIVATE KEY}) or the traditional OpenSSL
 * forms {@code RSA PRIVATE KEY} and {@code EC PRIVATE KEY}; RSA, EC and Ed25519 keys. BouncyCastle's
 * {@code PEMParser} reads both files.
 *
 * <p>Every problem is an {@link IllegalArgumentException} whose message starts with the option and the file
 * as the user gave them, e.g. {@code --tls-key key.pem: the private key does not belong to the certificate of
 * --tls-cert cert.pem}. The files are read once: a renewed certificate needs a restart.
 */
public final class ServerCertificate {

    /** The key store's password: it lives in memory only, so the password protects nothing. */
    private static final char[] IN_MEMORY = "contrail".toCharArray();

    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;

    private ServerCertificate(List<X509Certificate> chain, PrivateKey privateKey) {
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
    }

    /** Reads and checks the chain in {@code certificateFile} and the key in {@code keyFile}, valid at the current time. */
    public static ServerCertificate read(Path certificateFile, Path keyFile) {
        return read(certificateFile, keyFile, Instant.now());
    }

    static ServerCertificate read(Path certificateFile, Path keyFile, Instant now) {
        String certOption = "--tls-cert " + certificateFile;
        String keyOption = "--tls-key " + keyFile;
        List<X509Certificate> chain = certificates(certOption, readText(certOption, certificateFile));
        for (X509Certificate certificate : chain) {
            checkValidity(certOption, certificate, now, certificate == chain.get(0));
        }
        PrivateKey key = privateKey(keyOption, readText(keyOption, keyFile), chain.get(0));
        if (!belongTogether(key, chain.get(0))) {
            throw new IllegalArgumentException(keyOption + ": the private key does not belong to the certificate of "
                    + certOption + " (is it the key the certificate was issued for?)");
        }
        return new ServerCertificate(chain, key);
    }

    /** The server's own certificate, the chain's first. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** A key store holding the key and chain under one alias, for Jetty's {@code SslContextFactory}; see {@link #keyStorePassword()}. */
    public KeyStore keyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("contrail", privateKey, IN_MEMORY, chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("building the in-memory key store", e);
        }
    }

    public String keyStorePassword() {
        return new String(IN_MEMORY);
    }

    /** Key managers presenting this chain, for the OTLP/gRPC server's TLS credentials. */
    public KeyManager[] keyManagers() {
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keyStore(), IN_MEMORY);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("building the key managers", e);
        }
    }

    /** The chain as PEM {@code CERTIFICATE} blocks, the server's first: for servers that read PEM (Flight SQL). */
    public byte[] chainPem() {
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate certificate : chain) {
                pem.append(pemBlock("CERTIFICATE", certificate.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("encoding the certificate chain", e);
        }
        return pem.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The private key as unencrypted PKCS#8 PEM ({@code PRIVATE KEY}), in memory only: for servers that read PEM. */
    public byte[] keyPem() {
        return pemBlock("PRIVATE KEY", privateKey.getEncoded()).getBytes(StandardCharsets.US_ASCII);
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /**
     * A client context that trusts this server certificate and nothing else, whatever host name it was
     * reached by: for the server's own requests to itself ({@code contrail demo} loading its traces).
     */
    public SSLContext trustingItselfOnly() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedServer(certificate())}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("building the client context", e);
        }
    }

    private static String readText(String option, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(option + ": not readable (permission denied)");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(option + ": not a PEM file (it holds bytes that are not text; "
                    + "a DER or PKCS#12 file needs converting to PEM with openssl)");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot be read (" + (Files.isDirectory(file)
                    ? "it is a folder" : e.getClass().getSimpleName()) + ")");
        }
    }

    private static List<X509Certificate> certificates(String option, String pem) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            for (Object object : pemObjects(option, pem)) {
                if (object instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(option + ": a CERTIFICATE block is not an X.509 certificate");
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(option + ": no certificate in it (expected PEM: "
                    + "-----BEGIN CERTIFICATE-----, the server's certificate first, then intermediates)");
        }
        return chain;
    }

    /** The objects of a PEM file as BouncyCastle's parser reads them (text around the blocks is skipped). */
    private static List<Object> pemObjects(String option, String pem) {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(option + ": not valid PEM (" + e.getMessage() + ")");
        }
        return objects;
    }

    private static void checkValidity(String option, X509Certificate certificate, Instant now, boolean servers) {
        String which = servers ? "the certificate" : "the chain's certificate " + certificate.getSubjectX500Principal();
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException(option + ": " + which + " expired on "
                    + certificate.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException(option + ": " + which + " is not valid before "
                    + certificate.getNotBefore().toInstant());
        }
    }

    private static PrivateKey privateKey(String option, String pem, X509Certificate certificate) {
        for (Object object : pemObjects(option, pem)) {
            if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                throw new IllegalArgumentException(option + ": the private key is encrypted; give it unencrypted "
                        + "(openssl pkey -in KEY.pem -out plain-key.pem) and keep the file readable by this user only");
            }
            // PKCS#8 (PRIVATE KEY), or OpenSSL's traditional RSA PRIVATE KEY / EC PRIVATE KEY (a key pair).
            PrivateKeyInfo info = object instanceof PrivateKeyInfo pkcs8 ? pkcs8
                    : object instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : null;
            if (info != null) {
                return decode(option, withCertificateParameters(info, certificate), certificate.getPublicKey().getAlgorithm());
            }
        }
        throw new IllegalArgumentException(option + ": no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----, "
                + "or -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
    }

    /**
     * The key with the algorithm parameters of the certificate's public key when both are of one algorithm: a
     * traditional EC key may carry its curve in another form than the certificate (or none), which the JDK's
     * key factory then refuses; a key of another curve still fails the check that it belongs to the certificate.
     */
    private static PrivateKeyInfo withCertificateParameters(PrivateKeyInfo info, X509Certificate certificate) {
        AlgorithmIdentifier ofCertificate = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())
                .getAlgorithm();
        if (!info.getPrivateKeyAlgorithm().getAlgorithm().equals(ofCertificate.getAlgorithm())) {
            return info;
        }
        try {
            return new PrivateKeyInfo(ofCertificate, info.parsePrivateKey());
        } catch (IOException e) {
            return info;
        }
    }

    /**
     * The key by the JDK's own key factories (BouncyCastle's converter would name EC keys "ECDSA", which the JDK
     * does not know), as the certificate's algorithm first; a key of another algorithm cannot belong to it.
     */
    private static PrivateKey decode(String option, PrivateKeyInfo info, String certificateAlgorithm) {
        List<String> algorithms = new ArrayList<>(List.of(certificateAlgorithm));
        for (String other : List.of("RSA", "EC", "Ed25519")) {
            if (!algorithms.contains(other)) {
                algorithms.add(other);
            }
        }
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
            } catch (GeneralSecurityException | IOException e) {
                // Not this algorithm's key: try the next.
            }
        }
        throw new IllegalArgumentException(option + ": the private key cannot be read (not an RSA, EC or Ed25519 key "
                + "in PKCS#8 or OpenSSL's traditional form)");
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signing = Signature.getInstance(algorithm);
            signing.initSign(key);
            signing.update(challenge);
            byte[] signature = signing.sign();
            Signature verifying = Signature.getInstance(algorithm);
            verifying.initVerify(certificate.getPublicKey());
            verifying.update(challenge);
            return verifying.verify(signature);
        } catch (GeneralSecurityException e) {
            // A key of another algorithm or curve than the certificate's.
            return false;
        }
    }

    /**
     * Trusts exactly one server certificate, compared byte for byte. Extended, so that the JDK adds no host
     * name check of its own: the certificate is known, whatever name or address the server was reached by.
     */
    private static final class PinnedServer extends X509ExtendedTrustManager {
        private final X509Certificate expected;

        PinnedServer(X509Certificate expected) {
            this.expected = expected;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(expected)) {
                throw new CertificateException("not this server's own certificate");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client context only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a client context only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client context only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
