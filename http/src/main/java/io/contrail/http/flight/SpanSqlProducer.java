package io.contrail.http.flight;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionClosePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementUpdate;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementUpdate;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutPreparedStatementResult;
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Flight SQL calls Contrail answers, each from the query engine of the call's tenant ({@link CallTenant}) and
 * through the engine's user path — the read-only guard, the time limit and the errors of {@code POST /api/sql}:
 * <ul>
 *   <li>statements ({@code CommandStatementQuery}): the FlightInfo carries the answer's schema and one ticket
 *       holding the SQL, which DoGet runs, streaming every batch on a thread of its own ({@link StreamedAnswer});</li>
 *   <li>prepared statements: created with their answer schema and one text parameter per placeholder
 *       ({@link StatementProbe}; DuckDB casts text to what each is compared with), parameters bound by a DoPut of
 *       rows ({@link ParameterRows}), executed once per row, closed ({@link PreparedStatements});</li>
 *   <li>the catalog calls and {@code GetSqlInfo} ({@link CatalogCalls}).</li>
 * </ul>
 * Updates, bulk ingestion and Substrait plans are refused: spans come in through the receivers, and SQL only reads.
 */
final class SpanSqlProducer extends CatalogCalls {

    private final PreparedStatements prepared = new PreparedStatements();
    /** The threads answers stream on, at most {@link FlightSqlEndpoint#MAX_STREAMING_ANSWERS}. */
    private final Executor answers;

    SpanSqlProducer(CallTenants tenants, BufferAllocator allocator, ServerInfo info, Executor answers) {
        super(tenants, allocator, info);
        this.answers = answers;
    }

    // ---- statements

    @Override
    public FlightInfo getFlightInfoStatement(CommandStatementQuery command, CallContext context,
                                             FlightDescriptor descriptor) {
        Schema answer = answerSchema(context, command.getQuery());
        Ticket ticket = new Ticket(Any.pack(TicketStatementQuery.newBuilder()
                .setStatementHandle(ByteString.copyFromUtf8(command.getQuery())).build()).toByteArray());
        return new FlightInfo(answer, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
    }

    @Override
    public SchemaResult getSchemaStatement(CommandStatementQuery command, CallContext context,
                                           FlightDescriptor descriptor) {
        return new SchemaResult(answerSchema(context, command.getQuery()));
    }

    @Override
    public void getStreamStatement(TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
        stream(context, ticket.getStatementHandle().toStringUtf8(), List.of(List.of()), null, listener);
    }

    private Schema answerSchema(CallContext context, String sql) {
        try {
            return StatementProbe.answerSchema(engine(context), sql, 0);
        } catch (QueryException e) {
            throw FlightErrors.of(e);
        }
    }

    /**
     * Streams {@code sql}'s answer, once per row of {@code parameters}, on a thread of {@code answers}
     * ({@link StreamedAnswer}); {@code schemaWithoutRows} is the answer's schema when there is no row.
     */
    private void stream(CallContext context, String sql, List<List<Object>> parameters, Schema schemaWithoutRows,
                        ServerStreamListener listener) {
        QueryEngine engine;
        try {
            engine = engine(context);
        } catch (RuntimeException e) {
            listener.error(FlightErrors.answering("DoGet", e));
            return;
        }
        StreamedAnswer answer = new StreamedAnswer(listener, allocator, engine.config().queryTimeout());
        try {
            answers.execute(() -> answer.run(engine, sql, parameters, schemaWithoutRows));
        } catch (RejectedExecutionException e) {
            listener.error(CallStatus.RESOURCE_EXHAUSTED.withDescription("this server streams at most "
                    + FlightSqlEndpoint.MAX_STREAMING_ANSWERS + " answers at once, and is streaming that many; "
                    + "retry later").toRuntimeException());
        }
    }

    // ---- prepared statements

    @Override
    public void createPreparedStatement(ActionCreatePreparedStatementRequest request, CallContext context,
                                        StreamListener<Result> listener) {
        try {
            String tenant = CallTenant.of(context);
            QueryEngine engine = tenants.engineOf(tenant);
            int placeholders = StatementProbe.placeholders(engine, request.getQuery());
            Schema answer = StatementProbe.answerSchema(engine, request.getQuery(), placeholders);
            PreparedStatements.Prepared statement = prepared.open(tenant, request.getQuery(), placeholders, answer);
            ActionCreatePreparedStatementResult result = ActionCreatePreparedStatementResult.newBuilder()
                    .setPreparedStatementHandle(statement.handle())
                    .setDatasetSchema(ByteString.copyFrom(answer.serializeAsMessage()))
                    .setParameterSchema(ByteString.copyFrom(parameterSchema(placeholders).serializeAsMessage()))
                    .build();
            listener.onNext(new Result(Any.pack(result).toByteArray()));
            listener.onCompleted();
        } catch (QueryException | RuntimeException e) {
            listener.onError(FlightErrors.answering("CreatePreparedStatement", e));
        }
    }

    /** One nullable text column per placeholder, {@code $1} …: DuckDB casts text to what the statement compares it with. */
    private static Schema parameterSchema(int placeholders) {
        List<Field> fields = new ArrayList<>(placeholders);
        for (int i = 1; i <= placeholders; i++) {
            fields.add(new Field("$" + i, FieldType.nullable(ArrowType.Utf8.INSTANCE), null));
        }
        return new Schema(fields);
    }

    @Override
    public Runnable acceptPutPreparedStatementQuery(CommandPreparedStatementQuery command, CallContext context,
                                                    FlightStream stream, StreamListener<PutResult> ack) {
        return () -> {
            try {
                PreparedStatements.Prepared statement = prepared.get(command.getPreparedStatementHandle(),
                        CallTenant.of(context));
                statement.bind(ParameterRows.read(stream, statement.placeholders()));
                // Newer clients take the handle to execute from here; it stays the same.
                byte[] result = DoPutPreparedStatementResult.newBuilder()
                        .setPreparedStatementHandle(statement.handle()).build().toByteArray();
                try (ArrowBuf metadata = allocator.buffer(result.length)) {
                    metadata.writeBytes(result);
                    ack.onNext(PutResult.metadata(metadata));
                }
                ack.onCompleted();
            } catch (RuntimeException e) {
                ack.onError(FlightErrors.answering("DoPut of parameters", e));
            }
        };
    }

    @Override
    public FlightInfo getFlightInfoPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
                                                     FlightDescriptor descriptor) {
        PreparedStatements.Prepared statement = prepared.get(command.getPreparedStatementHandle(), CallTenant.of(context));
        return new FlightInfo(statement.answer(), descriptor,
                List.of(new FlightEndpoint(new Ticket(Any.pack(command).toByteArray()))), -1, -1);
    }

    @Override
    public SchemaResult getSchemaPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
                                                   FlightDescriptor descriptor) {
        return new SchemaResult(prepared.get(command.getPreparedStatementHandle(), CallTenant.of(context)).answer());
    }

    @Override
    public void getStreamPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
                                           ServerStreamListener listener) {
        PreparedStatements.Prepared statement;
        try {
            statement = prepared.get(command.getPreparedStatementHandle(), CallTenant.of(context));
        } catch (FlightRuntimeException e) {
            listener.error(e);
            return;
        }
        List<List<Object>> parameters = statement.placeholders() == 0 ? List.of(List.of()) : statement.parameters();
        if (parameters.isEmpty()) {
            listener.error(FlightErrors.invalid("the statement has " + statement.placeholders()
                    + (statement.placeholders() == 1 ? " placeholder" : " placeholders")
                    + " (? or $n) and no values were bound to them (DoPut a row of parameters first)"));
            return;
        }
        stream(context, statement.sql(), parameters, statement.answer(), listener);
    }

    @Override
    public void closePreparedStatement(ActionClosePreparedStatementRequest request, CallContext context,
                                       StreamListener<Result> listener) {
        prepared.close(request.getPreparedStatementHandle(), CallTenant.of(context));
        listener.onCompleted();
    }

    // ---- writes: refused

    @Override
    public Runnable acceptPutStatement(CommandStatementUpdate command, CallContext context, FlightStream stream,
                                       StreamListener<PutResult> ack) {
        throw readOnly();
    }

    @Override
    public Runnable acceptPutPreparedStatementUpdate(CommandPreparedStatementUpdate command, CallContext context,
                                                     FlightStream stream, StreamListener<PutResult> ack) {
        throw readOnly();
    }

    @Override
    public Runnable acceptPutStatementBulkIngest(CommandStatementIngest command, CallContext context,
                                                 FlightStream stream, StreamListener<PutResult> ack) {
        throw readOnly();
    }

    private static FlightRuntimeException readOnly() {
        return FlightErrors.invalid("Contrail's SQL only reads: one read-only query (SELECT, WITH … SELECT, EXPLAIN); "
                + "updates and ingestion are refused (spans come in through OTLP and Zipkin)");
    }
}
