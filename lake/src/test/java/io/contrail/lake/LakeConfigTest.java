package io.contrail.lake;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LakeConfigTest {

    @Test
    void parsesBucketPrefixEndpointAndCatalog() {
        LakeConfig config = LakeConfig.parse("s3://traces/prod/spans/", "http://127.0.0.1:9000",
                "jdbc:postgresql://db:5432/contrail?user=u&password=secret");
        assertThat(config.bucket()).isEqualTo("traces");
        assertThat(config.prefix()).isEqualTo("prod/spans");
        assertThat(config.location()).isEqualTo("s3://traces/prod/spans");
        assertThat(config.s3Endpoint()).hasToString("http://127.0.0.1:9000");
        assertThat(config.catalogForDisplay()).isEqualTo("jdbc:postgresql://db:5432/contrail?user=u&password=***");
        assertThat(LakeConfig.parse("s3://traces", null, "jdbc:postgresql://db/c").location()).isEqualTo("s3://traces");
    }

    @Test
    void aTenantsTableIsItsOwnInTheCatalogAndTheBucket() {
        LakeConfig shared = LakeConfig.parse("s3://traces/prod", null, "jdbc:postgresql://db/c");
        LakeConfig shop = shared.forTenant("shop");
        assertThat(shared.table()).isEqualTo("spans");
        assertThat(shop.table()).isEqualTo("spans__shop");
        assertThat(shop.location()).isEqualTo("s3://traces/prod/tenants/shop");
        assertThat(LakeConfig.parse("s3://traces", null, "jdbc:postgresql://db/c").forTenant("a").location())
                .isEqualTo("s3://traces/tenants/a");
        // No two tenant names share a table, not even by case, and every name is a plain identifier.
        assertThat(LakeConfig.tenantTable("a-b")).isEqualTo("spans__a_2db");
        assertThat(LakeConfig.tenantTable("a_b")).isEqualTo("spans__a_5fb");
        assertThat(LakeConfig.tenantTable("A.b")).isEqualTo("spans___41_2eb");
        assertThat(java.util.stream.Stream.of("a-b", "a_b", "A.b", "shop", "Shop").map(LakeConfig::tenantTable)
                .distinct().count()).isEqualTo(5);
        assertThat(Maintainer.lockKey("spans")).isEqualTo(Maintainer.LOCK_KEY);
        assertThat(Maintainer.lockKey(shop.table())).isNotEqualTo(Maintainer.LOCK_KEY);
    }

    @Test
    void namesTheOptionAndTheProblem() {
        assertThatThrownBy(() -> LakeConfig.parse("/var/data", null, "jdbc:postgresql://db/c"))
                .hasMessageContaining("--storage must look like s3://BUCKET/PREFIX");
        assertThatThrownBy(() -> LakeConfig.parse("s3://Upper_Case/x", null, "jdbc:postgresql://db/c"))
                .hasMessageContaining("'Upper_Case' is not a valid S3 bucket name");
        assertThatThrownBy(() -> LakeConfig.parse("s3://traces/x", "ftp://host", "jdbc:postgresql://db/c"))
                .hasMessageContaining("--s3-endpoint must be an http:// or https:// URL");
        assertThatThrownBy(() -> LakeConfig.parse("s3://traces/x", null, "postgresql://db/c"))
                .hasMessageContaining("--catalog must be the JDBC URL");
        assertThatThrownBy(() -> LakeConfig.parse("s3://traces/x", null, "jdbc:postgresql://db/c").withNodeId("a/b"))
                .hasMessageContaining("--node-id must be");
    }

    @Test
    void aFolderKeepsItsNodeAndRefusesAnother(@TempDir Path folder) throws IOException {
        String chosen = Lake.nodeId(folder, null);
        assertThat(chosen).matches("node-[0-9a-f]{8}");
        assertThat(Lake.nodeId(folder, null)).isEqualTo(chosen);
        assertThat(Lake.nodeId(folder, chosen)).isEqualTo(chosen);
        assertThatThrownBy(() -> Lake.nodeId(folder, "other"))
                .hasMessageContaining("this data folder is node '" + chosen + "'")
                .hasMessageContaining("would publish its files a second time");
    }
}
