package io.contrail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

class S3ServerTest {

    @TempDir
    Path work;

    @Test
    void keepsItsObjectsAndPortAcrossStopAndStart() throws Exception {
        try (S3Server s3 = S3Server.start(work)) {
            URI endpoint = s3.endpoint();
            s3.createBucket("kept");
            try (S3Client client = s3.client()) {
                client.putObject(r -> r.bucket("kept").key("a/b.txt"), RequestBody.fromString("hello"));

                s3.stop();
                assertThat(s3.isRunning()).isFalse();
                assertThatThrownBy(() -> client.getObjectAsBytes(r -> r.bucket("kept").key("a/b.txt")))
                        .isInstanceOf(SdkClientException.class);

                s3.start();
                assertThat(s3.endpoint()).isEqualTo(endpoint);
                assertThat(client.getObjectAsBytes(r -> r.bucket("kept").key("a/b.txt")).asUtf8String())
                        .isEqualTo("hello");
            }
        }
    }

    @Test
    void refusesWrongCredentials() throws Exception {
        try (S3Server s3 = S3Server.start(work)) {
            s3.createBucket("private");
            try (S3Client stranger = S3Client.builder().endpointOverride(s3.endpoint())
                    .region(software.amazon.awssdk.regions.Region.of(s3.region())).forcePathStyle(true)
                    .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(s3.accessKey(), "wrong")))
                    .build()) {
                assertThatThrownBy(() -> stranger.listObjectsV2(r -> r.bucket("private")))
                        .hasMessageContaining("403");
            }
        }
    }
}
