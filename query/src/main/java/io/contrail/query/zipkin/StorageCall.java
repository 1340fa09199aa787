package io.contrail.query.zipkin;

import io.contrail.query.QueryException;
import java.io.IOException;
import zipkin2.Call;
import zipkin2.Callback;

/**
 * A zipkin2 {@link Call} that does its work only when executed, on the calling thread: the storage
 * is embedded, so there is no remote request to wait for asynchronously. {@code enqueue} runs the
 * work at once and reports to the callback.
 */
public final class StorageCall<V> extends Call.Base<V> {

    /** The deferred work; a {@link QueryException} becomes an {@link IOException}. */
    public interface Work<V> {
        V run() throws IOException, QueryException;
    }

    private final Work<V> work;

    public StorageCall(Work<V> work) {
        this.work = work;
    }

    @Override
    protected V doExecute() throws IOException {
        try {
            return work.run();
        } catch (QueryException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    protected void doEnqueue(Callback<V> callback) {
        V value;
        try {
            value = doExecute();
        } catch (IOException | RuntimeException e) {
            callback.onError(e);
            return;
        }
        callback.onSuccess(value);
    }

    @Override
    public Call<V> clone() {
        return new StorageCall<>(work);
    }
}
