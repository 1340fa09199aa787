package io.contrail.lake;

import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TypeConflictsTest {

    @Test
    void movesConflictingAttributeColumnsIntoTheOverflowMapsAsText(@TempDir Path folder) throws Exception {
        // A span file's folder says its partition; the rewrite must not add date/hour as columns.
        Path partition = Files.createDirectories(folder.resolve("spans/date=2026-12-06/hour=07"));
        Path file = partition.resolve("part-000000000001-0000abcd.parquet");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            sql.execute("COPY (SELECT * FROM (VALUES "
                    + "('a', 7::BIGINT, [1, 2]::BIGINT[], 'web', MAP {'old.key': 'x'}), "
                    + "('b', NULL, NULL, 'web', NULL)) "
                    + "AS t(span_id, \"attr.retry\", \"attr.codes\", \"resource.service.name\", attr_overflow)) TO '" + file
                    + "' (FORMAT PARQUET, KV_METADATA {'contrail.schema_version': '2'})");
        }
        Path rewritten = folder.resolve("rewritten.parquet");
        TypeConflicts.rewrite(file, Set.of("attr.retry", "attr.codes"), rewritten);

        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = sql.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + rewritten + "')")) {
                while (rs.next()) {
                    columns.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertThat(columns).containsExactly("span_id VARCHAR", "resource.service.name VARCHAR",
                    "attr_overflow MAP(VARCHAR, VARCHAR)");
            try (ResultSet rs = sql.executeQuery("SELECT span_id, attr_overflow['old.key'], attr_overflow['retry'], "
                    + "attr_overflow['codes'], cardinality(attr_overflow) FROM read_parquet('" + rewritten
                    + "') ORDER BY span_id")) {
                assertThat(rs.next()).isTrue();
                assertThat(List.of(rs.getString(2), rs.getString(3), rs.getString(4))).containsExactly("x", "7", "[1,2]");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(5)).isZero();
            }
            try (ResultSet rs = sql.executeQuery("SELECT decode(value) FROM parquet_kv_metadata('" + rewritten
                    + "') WHERE decode(key) = 'contrail.schema_version'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("2");
            }
        }
    }

    @Test
    void aFileInTheTableIsCachedInTheFolderItWasUploadedTo() {
        assertThat(SpanTable.folderOf("s3://b/p/data/date=2026-12-06/hour=07/node-1-part-000000000003-0a1b2c3d.parquet"))
                .isEqualTo("date=2026-12-06/hour=07");
    }

    @Test
    void typesDifferOnlyWhereIcebergCannotReadOneAsTheOther() {
        assertThat(SpanTable.sameShape(Types.LongType.get(), Types.IntegerType.get())).isTrue();
        assertThat(SpanTable.sameShape(Types.StringType.get(), Types.LongType.get())).isFalse();
        assertThat(SpanTable.sameShape(Types.LongType.get(), Types.DoubleType.get())).isFalse();
        Schema a = new Schema(Types.NestedField.optional(1, "events", Types.ListType.ofOptional(2,
                Types.StructType.of(Types.NestedField.optional(3, "name", Types.StringType.get())))));
        Schema b = new Schema(Types.NestedField.optional(7, "events", Types.ListType.ofOptional(8,
                Types.StructType.of(Types.NestedField.optional(9, "name", Types.StringType.get())))));
        assertThat(SpanTable.sameShape(a.asStruct(), b.asStruct())).as("field IDs do not count").isTrue();
        assertThat(SpanTable.sameShape(Types.ListType.ofOptional(1, Types.LongType.get()),
                Types.ListType.ofOptional(1, Types.StringType.get()))).isFalse();
    }
}
