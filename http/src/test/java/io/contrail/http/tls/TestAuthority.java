package io.contrail.http.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (an EC P-256 key, valid for a day), issuing server certificates
 * for 127.0.0.1, ::1 and localhost, and writing them and their keys as the PEM files {@code --tls-cert} and
 * {@code --tls-key} read. Clients trust it through {@link #pem()} (the OpenTelemetry exporters'
 * {@code setTrustedCertificates}) or {@link #httpClient()}.
 */
public final class TestAuthority {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final KeyPair keys;
    private final X500Name name;
    private final X509Certificate certificate;

    /** A server certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keys) {
        /** Writes the certificate to {@code folder/cert.pem}; returns the file. */
        public Path writeCertificate(Path folder) {
            return writePem(folder.resolve("cert.pem"), certificate);
        }

        /** Writes the key as PKCS#8 ({@code BEGIN PRIVATE KEY}) to {@code folder/key.pem}; returns the file. */
        public Path writeKey(Path folder) {
            return writePkcs8Key(folder.resolve("key.pem"), keys.getPrivate());
        }
    }

    private TestAuthority(KeyPair keys, X500Name name, X509Certificate certificate) {
        this.keys = keys;
        this.name = name;
        this.certificate = certificate;
    }

    public static TestAuthority create(String commonName) {
        KeyPair keys = keyPair("EC");
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        X509v3CertificateBuilder building = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
        try {
            building.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            building.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestAuthority(keys, name, sign(building, keys.getPrivate()));
    }

    /** A key pair of {@code algorithm}: {@code EC} (P-256), {@code RSA} (2048 bits) or {@code Ed25519}. */
    public static KeyPair keyPair(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else if (algorithm.equals("RSA")) {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate with an EC key, valid from an hour ago for a day. */
    public Issued issue() {
        Instant now = Instant.now();
        return issue(keyPair("EC"), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** A server certificate for {@code keys}' public key, valid from {@code notBefore} to {@code notAfter}. */
    public Issued issue(KeyPair keys, Instant notBefore, Instant notAfter) {
        X509v3CertificateBuilder building = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                Date.from(notAfter), new X500Name("CN=localhost"), keys.getPublic());
        try {
            building.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            building.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1"),
                    new GeneralName(GeneralName.dNSName, "localhost")}));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(sign(building, this.keys.getPrivate()), keys);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The authority's certificate as PEM, what a client is told to trust. */
    public byte[] pem() {
        return pemText(certificate).getBytes(StandardCharsets.US_ASCII);
    }

    /** An HTTP client that trusts this authority only. */
    public HttpClient httpClient() {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("test-ca", certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code objects} (certificates, or private keys in OpenSSL's traditional form) to {@code file} as PEM. */
    public static Path writePem(Path file, Object... objects) {
        try {
            Files.writeString(file, pemText(objects), StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code key} to {@code file} as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public static Path writePkcs8Key(Path file, PrivateKey key) {
        try {
            return writePem(file, new JcaPKCS8Generator(key, null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pemText(Object... objects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder building, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    building.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
