package io.contrail.http.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading {@code --tls-cert} and {@code --tls-key}: the key forms openssl writes, RSA, EC and Ed25519; and
 * each file a server must not start with, refused with a message naming the option and the problem.
 */
class ServerCertificateTest {

    private static final TestAuthority CA = TestAuthority.create("Contrail test CA");
    private static final Instant NOW = Instant.now();

    @TempDir
    Path scratch;

    private Path certificateFile(TestAuthority.Issued issued) {
        return TestAuthority.writePem(scratch.resolve("cert.pem"), issued.certificate());
    }

    private TestAuthority.Issued valid(String algorithm) {
        return CA.issue(TestAuthority.keyPair(algorithm), NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void pkcs8KeysOfEveryAlgorithmAndTheTraditionalRsaAndEcFormsAreRead() throws Exception {
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            TestAuthority.Issued issued = valid(algorithm);
            Path pkcs8 = TestAuthority.writePkcs8Key(scratch.resolve(algorithm + "-pkcs8.pem"), issued.keys().getPrivate());
            assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");
            assertKeyStoreHolds(ServerCertificate.read(certificateFile(issued), pkcs8), issued);
            if (!algorithm.equals("Ed25519")) {
                Path traditional = TestAuthority.writePem(scratch.resolve(algorithm + "-traditional.pem"),
                        issued.keys().getPrivate());
                assertThat(Files.readString(traditional)).startsWith("-----BEGIN " + algorithm + " PRIVATE KEY-----");
                assertKeyStoreHolds(ServerCertificate.read(certificateFile(issued), traditional), issued);
            }
        }
    }

    private static void assertKeyStoreHolds(ServerCertificate read, TestAuthority.Issued issued) throws Exception {
        assertThat(read.certificate()).isEqualTo(issued.certificate());
        KeyStore store = read.keyStore();
        String alias = store.aliases().nextElement();
        assertThat(store.getKey(alias, read.keyStorePassword().toCharArray())).isEqualTo(issued.keys().getPrivate());
        Certificate[] chain = store.getCertificateChain(alias);
        assertThat(chain).containsExactly(issued.certificate());
    }

    @Test
    void theChainFileMayHoldIntermediatesAfterTheServersCertificateAndTextAroundTheBlocks() {
        TestAuthority.Issued issued = valid("EC");
        Path chain = scratch.resolve("chain.pem");
        TestAuthority.writePem(chain, issued.certificate(), CA.certificate());
        Path withAttributes = scratch.resolve("with-attributes.pem");
        Path key = issued.writeKey(scratch);
        try {
            Files.writeString(withAttributes, "Bag Attributes\n    friendlyName: server\n" + Files.readString(chain));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        ServerCertificate read = ServerCertificate.read(withAttributes, key);

        assertThat(read.certificate()).isEqualTo(issued.certificate());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingBothOptions() {
        Path certificate = certificateFile(valid("EC"));
        Path otherEc = TestAuthority.writePkcs8Key(scratch.resolve("other-ec.pem"), valid("EC").keys().getPrivate());
        Path rsa = TestAuthority.writePkcs8Key(scratch.resolve("rsa.pem"), TestAuthority.keyPair("RSA").getPrivate());

        for (Path key : new Path[] {otherEc, rsa}) {
            assertThatThrownBy(() -> ServerCertificate.read(certificate, key))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--tls-key " + key + ": the private key does not belong to the certificate of --tls-cert "
                            + certificate + " (is it the key the certificate was issued for?)");
        }
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefusedWithItsDate() {
        KeyPair keys = TestAuthority.keyPair("EC");
        Instant ended = NOW.minus(Duration.ofDays(1));
        TestAuthority.Issued expired = CA.issue(keys, NOW.minus(Duration.ofDays(30)), ended);
        Path key = expired.writeKey(scratch);
        Path certificate = certificateFile(expired);

        assertThatThrownBy(() -> ServerCertificate.read(certificate, key))
                .hasMessage("--tls-cert " + certificate + ": the certificate expired on "
                        + expired.certificate().getNotAfter().toInstant());

        TestAuthority.Issued early = CA.issue(keys, NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(2)));
        Path earlyCertificate = certificateFile(early);
        assertThatThrownBy(() -> ServerCertificate.read(earlyCertificate, key))
                .hasMessage("--tls-cert " + earlyCertificate + ": the certificate is not valid before "
                        + early.certificate().getNotBefore().toInstant());
    }

    @Test
    void missingFilesFoldersAndFilesWithoutTheirBlockNameTheOptionAndTheProblem() throws Exception {
        TestAuthority.Issued issued = valid("EC");
        Path certificate = certificateFile(issued);
        Path key = issued.writeKey(scratch);
        Path missing = Path.of("no-such-dir", "cert.pem");

        assertThatThrownBy(() -> ServerCertificate.read(missing, key)).hasMessage("--tls-cert " + missing + ": no such file");
        assertThatThrownBy(() -> ServerCertificate.read(certificate, missing)).hasMessage("--tls-key " + missing + ": no such file");
        assertThatThrownBy(() -> ServerCertificate.read(scratch, key))
                .hasMessage("--tls-cert " + scratch + ": cannot be read (it is a folder)");
        assertThatThrownBy(() -> ServerCertificate.read(key, key))
                .hasMessageStartingWith("--tls-cert " + key + ": no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----");
        assertThatThrownBy(() -> ServerCertificate.read(certificate, certificate))
                .hasMessageStartingWith("--tls-key " + certificate + ": no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----");

        Path der = scratch.resolve("cert.der");
        Files.write(der, issued.certificate().getEncoded());
        assertThatThrownBy(() -> ServerCertificate.read(der, key)).hasMessageStartingWith("--tls-cert " + der + ": not a PEM file");
    }

    @Test
    void anEncryptedKeyIsRefusedWithHowToDecryptIt() throws Exception {
        TestAuthority.Issued issued = valid("EC");
        Path certificate = certificateFile(issued);
        // Keys encrypted as openssl encrypts them: PKCS#8 with a password, and the traditional form with a DEK-Info header.
        char[] password = "a password".toCharArray();
        Path pkcs8 = TestAuthority.writePem(scratch.resolve("encrypted-pkcs8.pem"), new org.bouncycastle.openssl.jcajce
                .JcaPKCS8Generator(issued.keys().getPrivate(), new org.bouncycastle.openssl.jcajce
                .JceOpenSSLPKCS8EncryptorBuilder(org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword(password).build()).generate());
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        Path traditional = TestAuthority.writePem(scratch.resolve("encrypted-traditional.pem"),
                new org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator(issued.keys().getPrivate(),
                        new org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder("AES-128-CBC")
                                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(password)));
        assertThat(Files.readString(traditional)).startsWith("-----BEGIN EC PRIVATE KEY-----").contains("ENCRYPTED");

        for (Path key : new Path[] {pkcs8, traditional}) {
            assertThatThrownBy(() -> ServerCertificate.read(certificate, key))
                    .hasMessage("--tls-key " + key + ": the private key is encrypted; give it unencrypted "
                            + "(openssl pkey -in KEY.pem -out plain-key.pem) and keep the file readable by this user only");
        }
    }
}
