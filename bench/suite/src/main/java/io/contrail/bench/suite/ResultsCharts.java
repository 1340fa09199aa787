package io.contrail.bench.suite;

import io.contrail.bench.suite.BenchResults.Cell;
import io.contrail.bench.suite.BenchResults.PeerEntry;
import io.contrail.bench.suite.BenchResults.QueryEntry;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's pictures, drawn by JFreeChart into PNG files: query medians per peer on a log scale
 * (they span four orders of magnitude), and ingest rates per peer.
 */
final class ResultsCharts {

    static final String QUERIES_PNG = "suite-queries.png";
    static final String INGEST_PNG = "suite-ingest.png";
    private static final Color[] PEER_COLORS = {new Color(0x1f77b4), new Color(0x7f7f7f), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd)};

    private ResultsCharts() {
    }

    /** Writes the charts into {@code dir}; returns their file names. */
    static List<String> write(BenchResults results, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> written = new ArrayList<>();
        DefaultCategoryDataset queries = new DefaultCategoryDataset();
        double smallest = Double.MAX_VALUE;
        for (QueryEntry query : results.queries()) {
            for (PeerEntry peer : results.peers()) {
                Cell cell = query.byPeer().get(peer.name());
                if (peer.measured() && cell != null && cell.timed()) {
                    queries.addValue(Math.max(cell.medianMillis(), 0.01), peer.label(results.corpus().spans()),
                            query.id());
                    smallest = Math.min(smallest, cell.medianMillis());
                }
            }
        }
        if (queries.getRowCount() > 0) {
            LogAxis axis = new LogAxis("median milliseconds (log scale)");
            axis.setSmallestValue(Math.max(0.01, smallest / 2));
            axis.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
            JFreeChart chart = barChart("Query suite: median per peer (" + String.format("%,d", results.corpus().spans())
                    + " spans)", queries, axis);
            ChartUtils.saveChartAsPNG(dir.resolve(QUERIES_PNG).toFile(), chart, 1000, 120 + 48 * results.queries().size());
            written.add(QUERIES_PNG);
        }
        DefaultCategoryDataset ingest = new DefaultCategoryDataset();
        for (PeerEntry peer : results.peers()) {
            // The limit writes its file in-process; it is no ingest path and would mislead beside the servers.
            if (peer.measured() && peer.load() != null && !peer.name().equals(DuckDbLimitPeer.NAME)) {
                String label = peer.label(results.corpus().spans());
                ingest.addValue(peer.load().acknowledgedSpansPerSecond(), "acknowledged", label);
                if (!peer.name().equals(NullSinkPeer.NAME)) { // it stores nothing
                    ingest.addValue(peer.load().storedSpansPerSecond(), "acknowledged and queryable", label);
                }
            }
        }
        if (ingest.getColumnCount() > 0) {
            NumberAxis axis = new NumberAxis("spans per second");
            axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
            JFreeChart chart = barChart("Ingest: " + String.format("%,d", results.corpus().spans()) + " spans, each server alone",
                    ingest, axis);
            ChartUtils.saveChartAsPNG(dir.resolve(INGEST_PNG).toFile(), chart, 1000, 140 + 70 * ingest.getColumnCount());
            written.add(INGEST_PNG);
        }
        return written;
    }

    private static JFreeChart barChart(String title, DefaultCategoryDataset data, ValueAxis axis) {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setIncludeBaseInRange(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PEER_COLORS[i % PEER_COLORS.length]);
        }
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis(), axis, renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
