package io.contrail.bench.suite;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times queries on several peers in interleaved rounds: round r runs every query on every peer
 * (peers in a rotated order, so none always goes first), so that noise from a shared machine
 * falls on all peers alike instead of on whichever ran during it. The first rounds are warm-up and
 * not counted; the median of the timed rounds is reported. A query that a peer cannot express or
 * that fails is not asked again of that peer.
 */
final class QueryRounds {

    /** One thing to time: how to ask it of a peer, or null when the peer is not asked. */
    interface Query {
        String id();

        QueryOutcome run(Peer peer) throws Exception;

        boolean appliesTo(Peer peer);
    }

    private static final class CellTimes {
        final List<Long> nanos = new ArrayList<>();
        Long rows;
        boolean rowsVaried;
        String unsupported;
        String error;

        boolean finished() {
            return unsupported != null || error != null;
        }

        BenchResults.Cell toCell() {
            Double median = null;
            List<Double> runs = new ArrayList<>();
            for (long n : nanos) {
                runs.add(n / 1e6);
            }
            if (!runs.isEmpty() && error == null && unsupported == null) {
                List<Double> sorted = new ArrayList<>(runs);
                sorted.sort(Double::compare);
                int size = sorted.size();
                median = size % 2 == 1 ? sorted.get(size / 2) : (sorted.get(size / 2 - 1) + sorted.get(size / 2)) / 2;
            }
            return new BenchResults.Cell(median, runs, rows, rowsVaried, unsupported, error);
        }
    }

    private final List<Peer> peers;
    private final List<Query> queries;
    private final Map<String, Map<String, CellTimes>> cells = new LinkedHashMap<>();

    QueryRounds(List<Peer> peers, List<Query> queries) {
        this.peers = peers;
        this.queries = queries;
        for (Query query : queries) {
            Map<String, CellTimes> byPeer = new LinkedHashMap<>();
            for (Peer peer : peers) {
                if (query.appliesTo(peer)) {
                    byPeer.put(peer.name(), new CellTimes());
                }
            }
            cells.put(query.id(), byPeer);
        }
    }

    void run(int warmupRounds, int timedRounds, PrintStream progress) {
        int total = warmupRounds + timedRounds;
        for (int round = 0; round < total; round++) {
            boolean timed = round >= warmupRounds;
            long started = System.nanoTime();
            int asked = 0;
            for (Query query : queries) {
                for (int i = 0; i < peers.size(); i++) {
                    Peer peer = peers.get((i + round) % peers.size());
                    CellTimes cell = cells.get(query.id()).get(peer.name());
                    if (cell == null || cell.finished()) {
                        continue;
                    }
                    asked++;
                    try {
                        QueryOutcome outcome = query.run(peer);
                        if (!outcome.supported()) {
                            cell.unsupported = outcome.unsupportedReason();
                            continue;
                        }
                        if (cell.rows != null && cell.rows != outcome.rows()) {
                            cell.rowsVaried = true;
                        }
                        cell.rows = outcome.rows();
                        if (timed) {
                            cell.nanos.add(outcome.elapsedNanos());
                        }
                    } catch (Exception e) {
                        cell.error = e.getMessage() == null ? e.toString() : e.getMessage();
                        progress.printf("  %s failed on %s: %s%n", query.id(), peer.name(), cell.error);
                    }
                }
            }
            progress.printf(Locale.ROOT, "  round %d of %d (%s): %d queries asked in %.1f s%n", round + 1, total,
                    timed ? "timed" : "warm-up", asked, (System.nanoTime() - started) / 1e9);
        }
    }

    /** The cells of one query, by peer name. */
    Map<String, BenchResults.Cell> cells(String queryId) {
        Map<String, BenchResults.Cell> result = new LinkedHashMap<>();
        cells.get(queryId).forEach((peer, times) -> result.put(peer, times.toCell()));
        return result;
    }
}
