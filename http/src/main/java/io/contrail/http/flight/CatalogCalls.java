package io.contrail.http.flight;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCatalogs;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCrossReference;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetDbSchemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetExportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetImportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetPrimaryKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetSqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTableTypes;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTables;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetXdbcTypeInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

import java.util.List;

/**
 * The Flight SQL calls that describe what can be queried rather than query it, each for the call's tenant: the
 * catalogs, schemas, tables with their columns and table types ({@link CatalogAnswers}), {@code GetSqlInfo}
 * ({@link ServerInfo}); primary, exported and imported keys, cross references and XDBC type info answer empty
 * (views have none to tell), so that a JDBC tool listing them gets no error. Every answer is a FlightInfo with its
 * fixed schema and one ticket holding the command, which DoGet then answers whole (a few rows per view).
 */
abstract class CatalogCalls extends NoOpFlightSqlProducer {

    final CallTenants tenants;
    final BufferAllocator allocator;
    private final ServerInfo info;

    CatalogCalls(CallTenants tenants, BufferAllocator allocator, ServerInfo info) {
        this.tenants = tenants;
        this.allocator = allocator;
        this.info = info;
    }

    /** Nothing to release: the endpoint owns the allocator, and the engines belong to their tenants. */
    @Override
    public void close() {
    }

    /** The engine of the tenant {@code context}'s call reads. */
    final QueryEngine engine(CallContext context) {
        return tenants.engineOf(CallTenant.of(context));
    }

    @Override
    public FlightInfo getFlightInfoSqlInfo(CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_SQL_INFO_SCHEMA);
    }

    @Override
    public void getStreamSqlInfo(CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
        info.send(command.getInfoList(), listener, allocator);
    }

    @Override
    public FlightInfo getFlightInfoCatalogs(CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_CATALOGS_SCHEMA);
    }

    @Override
    public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
        sendCatalog(listener, "GetCatalogs", () -> CatalogAnswers.catalogs(engine(context), allocator));
    }

    @Override
    public FlightInfo getFlightInfoSchemas(CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_SCHEMAS_SCHEMA);
    }

    @Override
    public void getStreamSchemas(CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
        sendCatalog(listener, "GetDbSchemas", () -> CatalogAnswers.schemas(engine(context), command, allocator));
    }

    @Override
    public FlightInfo getFlightInfoTables(CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor,
                request.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA);
    }

    @Override
    public void getStreamTables(CommandGetTables command, CallContext context, ServerStreamListener listener) {
        sendCatalog(listener, "GetTables", () -> CatalogAnswers.tables(engine(context), command, allocator));
    }

    @Override
    public FlightInfo getFlightInfoTableTypes(CommandGetTableTypes request, CallContext context,
                                              FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_TABLE_TYPES_SCHEMA);
    }

    @Override
    public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
        sendCatalog(listener, "GetTableTypes", () -> CatalogAnswers.tableTypes(engine(context), allocator));
    }

    @Override
    public FlightInfo getFlightInfoPrimaryKeys(CommandGetPrimaryKeys request, CallContext context,
                                               FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_PRIMARY_KEYS_SCHEMA);
    }

    @Override
    public void getStreamPrimaryKeys(CommandGetPrimaryKeys command, CallContext context, ServerStreamListener listener) {
        sendEmpty(Schemas.GET_PRIMARY_KEYS_SCHEMA, listener);
    }

    @Override
    public FlightInfo getFlightInfoExportedKeys(CommandGetExportedKeys request, CallContext context,
                                                FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_EXPORTED_KEYS_SCHEMA);
    }

    @Override
    public void getStreamExportedKeys(CommandGetExportedKeys command, CallContext context,
                                      ServerStreamListener listener) {
        sendEmpty(Schemas.GET_EXPORTED_KEYS_SCHEMA, listener);
    }

    @Override
    public FlightInfo getFlightInfoImportedKeys(CommandGetImportedKeys request, CallContext context,
                                                FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_IMPORTED_KEYS_SCHEMA);
    }

    @Override
    public void getStreamImportedKeys(CommandGetImportedKeys command, CallContext context,
                                      ServerStreamListener listener) {
        sendEmpty(Schemas.GET_IMPORTED_KEYS_SCHEMA, listener);
    }

    @Override
    public FlightInfo getFlightInfoCrossReference(CommandGetCrossReference request, CallContext context,
                                                  FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_CROSS_REFERENCE_SCHEMA);
    }

    @Override
    public void getStreamCrossReference(CommandGetCrossReference command, CallContext context,
                                        ServerStreamListener listener) {
        sendEmpty(Schemas.GET_CROSS_REFERENCE_SCHEMA, listener);
    }

    @Override
    public FlightInfo getFlightInfoTypeInfo(CommandGetXdbcTypeInfo request, CallContext context,
                                            FlightDescriptor descriptor) {
        return catalogInfo(request, descriptor, Schemas.GET_TYPE_INFO_SCHEMA);
    }

    @Override
    public void getStreamTypeInfo(CommandGetXdbcTypeInfo request, CallContext context, ServerStreamListener listener) {
        sendEmpty(Schemas.GET_TYPE_INFO_SCHEMA, listener);
    }

    /** A catalog call's FlightInfo: its fixed schema, and one ticket holding the command, which DoGet answers. */
    private static FlightInfo catalogInfo(Message command, FlightDescriptor descriptor, Schema schema) {
        return new FlightInfo(schema, descriptor,
                List.of(new FlightEndpoint(new Ticket(Any.pack(command).toByteArray()))), -1, -1);
    }

    /** A catalog answer, made whole before it is sent (a few rows per view). */
    private interface CatalogAnswer {
        VectorSchemaRoot make() throws QueryException;
    }

    private void sendCatalog(ServerStreamListener listener, String call, CatalogAnswer answer) {
        try (VectorSchemaRoot root = answer.make()) {
            listener.start(root);
            listener.putNext();
            listener.completed();
        } catch (QueryException | RuntimeException e) {
            listener.error(FlightErrors.answering(call, e));
        }
    }

    private void sendEmpty(Schema schema, ServerStreamListener listener) {
        try (VectorSchemaRoot none = VectorSchemaRoot.create(schema, allocator)) {
            listener.start(none);
            listener.completed();
        }
    }
}
