import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How the shared table's metadata grows with commits, and what that costs (bench/lake/run, phase growth).
 *
 * <p>Makes {@code contrail.growth}, a table with the schema, partitioning and properties of the nodes' table
 * {@code contrail.spans}, then appends to it one file per commit, as a node's publisher does at about one
 * flushed file per round: each file entry is a copy of a real one of {@code contrail.spans} (its column
 * statistics, so manifests have their real size) under a new name; no data is uploaded, as planning reads
 * manifests only. At checkpoints it records the current metadata JSON's size, the snapshots, the manifests
 * and their bytes, the manifest list's size, the table's metadata folder, the commits' median time since the
 * last checkpoint, and the median of three loads of the table (what a node's poll does on a new snapshot:
 * read the metadata JSON) and of three {@code newScan().planFiles()} (what its cache sync then does).
 *
 * <p>Run on the product jar's classpath: {@code java -cp contrail.jar TableGrowth.java CATALOG S3_ENDPOINT
 * S3_FOLDER COMMITS SECONDS OUT.json} (S3_FOLDER: S3Proxy's filesystem store, to read object sizes).
 */
public class TableGrowth {

    /** Checkpoints: these commits, then every 250th. */
    static final int[] EARLY = {1, 2, 5, 10, 20, 50, 100};

    public static void main(String[] args) throws Exception {
        String catalogUrl = args[0];
        String endpoint = args[1];
        Path s3Folder = Path.of(args[2]);
        int commits = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        Path out = Path.of(args[5]);

        Map<String, String> properties = new HashMap<>();
        properties.put(CatalogProperties.URI, catalogUrl);
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, "s3://contrail/spans");
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        properties.put("jdbc.schema-version", "V1");
        properties.put("client.region", "us-east-1");
        properties.put("s3.endpoint", endpoint);
        properties.put("s3.path-style-access", "true");
        JdbcCatalog catalog = new JdbcCatalog();
        catalog.initialize("contrail", properties);

        Table source = catalog.loadTable(TableIdentifier.of("contrail", "spans"));
        List<DataFile> templates = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = source.newScan().includeColumnStats().planFiles()) {
            for (FileScanTask task : tasks) {
                templates.add(task.file().copy());
            }
        }
        if (templates.isEmpty()) {
            throw new IllegalStateException("contrail.spans has no files to copy entries from");
        }
        TableIdentifier id = TableIdentifier.of("contrail", "growth");
        if (catalog.tableExists(id)) {
            catalog.dropTable(id, false);
        }
        Table table = catalog.buildTable(id, source.schema()).withPartitionSpec(source.spec())
                .withLocation("s3://contrail/growth").withProperties(source.properties()).create();
        Table reader = catalog.loadTable(id);
        System.err.printf(Locale.ROOT, "growth: %d file entries to copy from contrail.spans (%d columns); up to %d commits or %d s%n",
                templates.size(), source.schema().columns().size(), commits, seconds);

        List<Map<String, Object>> points = new ArrayList<>();
        List<Double> window = new ArrayList<>();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int next = 1;
        for (int i = 1; i <= commits; i++) {
            DataFile template = templates.get(i % templates.size());
            String path = template.location().replaceAll("/[^/]*$", "") + String.format(Locale.ROOT, "/growth-%07d.parquet", i);
            DataFile file = DataFiles.builder(table.spec()).copy(template).withPath(path).build();
            long t = System.nanoTime();
            table.newAppend().appendFile(file).set("contrail.node", "node-growth").commit();
            window.add((System.nanoTime() - t) / 1e6);
            boolean last = i == commits || System.nanoTime() - deadline > 0;
            if (i == next || last) {
                points.add(checkpoint(catalog, id, table, reader, s3Folder, i, window));
                window.clear();
                next = next >= 100 ? next + 250 : EARLY[java.util.Arrays.binarySearch(EARLY, next) + 1];
            }
            if (last) {
                break;
            }
        }
        StringBuilder json = new StringBuilder("{\"template_files\": " + templates.size() + ", \"columns\": "
                + source.schema().columns().size() + ", \"points\": [\n");
        for (int i = 0; i < points.size(); i++) {
            json.append("  ").append(toJson(points.get(i))).append(i < points.size() - 1 ? ",\n" : "\n");
        }
        json.append("]}\n");
        Files.writeString(out, json);
        catalog.dropTable(id, false);
        catalog.close();
    }

    static Map<String, Object> checkpoint(JdbcCatalog catalog, TableIdentifier id, Table table, Table reader,
                                          Path s3Folder, int commits, List<Double> window) throws Exception {
        var ops = ((HasTableOperations) table).operations();
        String metadataLocation = ops.current().metadataFileLocation();
        Snapshot snapshot = table.currentSnapshot();
        List<ManifestFile> manifests = snapshot.allManifests(table.io());
        long manifestBytes = manifests.stream().mapToLong(ManifestFile::length).sum();
        Path metadataFolder = local(s3Folder, table.location() + "/metadata");
        long folderBytes;
        long folderFiles;
        try (Stream<Path> all = Files.walk(metadataFolder)) {
            List<Path> files = all.filter(Files::isRegularFile).toList();
            folderFiles = files.size();
            folderBytes = files.stream().mapToLong(p -> p.toFile().length()).sum();
        }
        List<Double> loads = new ArrayList<>();
        List<Double> plans = new ArrayList<>();
        int planned = 0;
        for (int r = 0; r < 3; r++) {
            long t = System.nanoTime();
            Table fresh = catalog.loadTable(id);
            loads.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            planned = 0;
            try (CloseableIterable<FileScanTask> tasks = fresh.newScan().planFiles()) {
                for (FileScanTask ignored : tasks) {
                    planned++;
                }
            }
            plans.add((System.nanoTime() - t) / 1e6);
        }
        long t = System.nanoTime();
        reader.refresh();   // a node's poll after one or more new snapshots: reads the new metadata JSON
        double refresh = (System.nanoTime() - t) / 1e6;
        Map<String, Object> point = new java.util.LinkedHashMap<>();
        point.put("commits", commits);
        point.put("files", planned);
        point.put("snapshots", ops.current().snapshots().size());
        point.put("metadata_json_bytes", Files.size(local(s3Folder, metadataLocation)));
        point.put("manifests", manifests.size());
        point.put("manifest_bytes", manifestBytes);
        point.put("manifest_list_bytes", Files.size(local(s3Folder, snapshot.manifestListLocation())));
        point.put("metadata_folder_files", folderFiles);
        point.put("metadata_folder_bytes", folderBytes);
        point.put("commit_ms_median", median(window));
        point.put("commit_ms_max", window.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        point.put("load_table_ms", median(loads));
        point.put("plan_files_ms", median(plans));
        point.put("reader_refresh_ms", refresh);
        System.err.println("growth: " + point);
        return point;
    }

    static Path local(Path s3Folder, String location) {
        return s3Folder.resolve(location.replaceFirst("^s3a?://", ""));
    }

    static double median(List<Double> xs) {
        List<Double> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        int n = sorted.size();
        return n == 0 ? 0 : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String toJson(Map<String, Object> map) {
        StringBuilder s = new StringBuilder("{");
        map.forEach((k, v) -> s.append(s.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                .append(v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : v));
        return s.append('}').toString();
    }
}
