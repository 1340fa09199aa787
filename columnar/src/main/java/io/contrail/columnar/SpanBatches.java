package io.contrail.columnar;

import java.util.ArrayList;
import java.util.List;

/** Lists of {@link ChunkRows} counted, cut and halved by spans: how the flusher sizes its files. */
final class SpanBatches {

    private SpanBatches() {
    }

    static long spanCount(List<ChunkRows> batch) {
        long spans = 0;
        for (ChunkRows rows : batch) {
            spans += rows.size();
        }
        return spans;
    }

    /** {@code batch} cut into pieces of at most {@code maxSpans} spans, in order. */
    static List<List<ChunkRows>> split(List<ChunkRows> batch, int maxSpans) {
        List<List<ChunkRows>> pieces = new ArrayList<>();
        List<ChunkRows> piece = new ArrayList<>();
        int inPiece = 0;
        for (ChunkRows rows : batch) {
            int from = 0;
            while (from < rows.size()) {
                int take = Math.min(rows.size() - from, maxSpans - inPiece);
                piece.add(rows.slice(from, from + take));
                inPiece += take;
                from += take;
                if (inPiece == maxSpans) {
                    pieces.add(piece);
                    piece = new ArrayList<>();
                    inPiece = 0;
                }
            }
        }
        if (!piece.isEmpty()) {
            pieces.add(piece);
        }
        return pieces;
    }

    /**
     * {@code batch} cut into the fewest pieces of at most {@code maxSpans} spans, as even as they come, in
     * order: 100,100 spans at most 100,000 give two files of 50,050, not one of 100,000 and one of 100.
     */
    static List<List<ChunkRows>> splitEvenly(List<ChunkRows> batch, int maxSpans) {
        long spans = spanCount(batch);
        long pieces = Math.max(1, (spans + maxSpans - 1) / maxSpans);
        return split(batch, (int) ((spans + pieces - 1) / pieces));
    }

    /** The first half of {@code batch}'s spans and the rest (a batch of two or more spans). */
    static List<List<ChunkRows>> halves(List<ChunkRows> batch) {
        long spans = spanCount(batch);
        List<List<ChunkRows>> halves = split(batch, (int) Math.max(1, spans / 2));
        if (halves.size() > 2) {
            // An odd count leaves a third piece of one span: it belongs to the second half.
            List<ChunkRows> second = new ArrayList<>(halves.get(1));
            second.addAll(halves.get(2));
            return List.of(halves.get(0), second);
        }
        return halves;
    }
}
