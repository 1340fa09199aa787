package io.contrail.http.flight;

import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlNullOrdering;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlOuterJoinsSupportLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedGroupBy;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedResultSetType;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedSubqueries;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedUnions;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlTransactionIsolationLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SupportedAnsi92SqlGrammarLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SupportedSqlGrammar;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the server says of itself to {@code GetSqlInfo}: its name and version, that it is read-only and takes SQL
 * (DuckDB's dialect: double-quoted, case-insensitive identifiers, {@code \} to escape a LIKE pattern), no
 * transactions, no Substrait, its statement timeout. JDBC's {@code DatabaseMetaData} reads most of these, and
 * Arrow's JDBC driver fails on one it asks for and does not get, so every one it asks for is answered
 * ({@link #ANSWERED}); a client asking for others gets those of them the server knows.
 */
final class ServerInfo {

    /** Every info answered; each is set in {@link #ServerInfo}. */
    static final Set<SqlInfo> ANSWERED = EnumSet.of(SqlInfo.FLIGHT_SQL_SERVER_NAME, SqlInfo.FLIGHT_SQL_SERVER_VERSION,
            SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY, SqlInfo.FLIGHT_SQL_SERVER_SQL, SqlInfo.FLIGHT_SQL_SERVER_SUBSTRAIT,
            SqlInfo.FLIGHT_SQL_SERVER_TRANSACTION, SqlInfo.FLIGHT_SQL_SERVER_CANCEL,
            SqlInfo.FLIGHT_SQL_SERVER_STATEMENT_TIMEOUT, SqlInfo.SQL_DDL_CATALOG, SqlInfo.SQL_DDL_SCHEMA,
            SqlInfo.SQL_DDL_TABLE, SqlInfo.SQL_IDENTIFIER_CASE, SqlInfo.SQL_IDENTIFIER_QUOTE_CHAR,
            SqlInfo.SQL_QUOTED_IDENTIFIER_CASE, SqlInfo.SQL_ALL_TABLES_ARE_SELECTABLE, SqlInfo.SQL_NULL_ORDERING,
            SqlInfo.SQL_KEYWORDS, SqlInfo.SQL_NUMERIC_FUNCTIONS, SqlInfo.SQL_STRING_FUNCTIONS,
            SqlInfo.SQL_SYSTEM_FUNCTIONS, SqlInfo.SQL_DATETIME_FUNCTIONS, SqlInfo.SQL_SEARCH_STRING_ESCAPE,
            SqlInfo.SQL_EXTRA_NAME_CHARACTERS, SqlInfo.SQL_SUPPORTS_COLUMN_ALIASING, SqlInfo.SQL_NULL_PLUS_NULL_IS_NULL,
            SqlInfo.SQL_SUPPORTS_CONVERT, SqlInfo.SQL_SUPPORTS_TABLE_CORRELATION_NAMES,
            SqlInfo.SQL_SUPPORTS_DIFFERENT_TABLE_CORRELATION_NAMES, SqlInfo.SQL_SUPPORTS_EXPRESSIONS_IN_ORDER_BY,
            SqlInfo.SQL_SUPPORTS_ORDER_BY_UNRELATED, SqlInfo.SQL_SUPPORTED_GROUP_BY,
            SqlInfo.SQL_SUPPORTS_LIKE_ESCAPE_CLAUSE, SqlInfo.SQL_SUPPORTS_NON_NULLABLE_COLUMNS,
            SqlInfo.SQL_SUPPORTED_GRAMMAR, SqlInfo.SQL_ANSI92_SUPPORTED_LEVEL,
            SqlInfo.SQL_SUPPORTS_INTEGRITY_ENHANCEMENT_FACILITY, SqlInfo.SQL_OUTER_JOINS_SUPPORT_LEVEL,
            SqlInfo.SQL_SCHEMA_TERM, SqlInfo.SQL_PROCEDURE_TERM, SqlInfo.SQL_CATALOG_TERM, SqlInfo.SQL_CATALOG_AT_START,
            SqlInfo.SQL_SCHEMAS_SUPPORTED_ACTIONS, SqlInfo.SQL_CATALOGS_SUPPORTED_ACTIONS,
            SqlInfo.SQL_SUPPORTED_POSITIONED_COMMANDS, SqlInfo.SQL_SELECT_FOR_UPDATE_SUPPORTED,
            SqlInfo.SQL_STORED_PROCEDURES_SUPPORTED, SqlInfo.SQL_SUPPORTED_SUBQUERIES,
            SqlInfo.SQL_CORRELATED_SUBQUERIES_SUPPORTED, SqlInfo.SQL_SUPPORTED_UNIONS,
            SqlInfo.SQL_MAX_BINARY_LITERAL_LENGTH, SqlInfo.SQL_MAX_CHAR_LITERAL_LENGTH,
            SqlInfo.SQL_MAX_COLUMN_NAME_LENGTH, SqlInfo.SQL_MAX_COLUMNS_IN_GROUP_BY, SqlInfo.SQL_MAX_COLUMNS_IN_INDEX,
            SqlInfo.SQL_MAX_COLUMNS_IN_ORDER_BY, SqlInfo.SQL_MAX_COLUMNS_IN_SELECT, SqlInfo.SQL_MAX_COLUMNS_IN_TABLE,
            SqlInfo.SQL_MAX_CONNECTIONS, SqlInfo.SQL_MAX_CURSOR_NAME_LENGTH, SqlInfo.SQL_MAX_INDEX_LENGTH,
            SqlInfo.SQL_DB_SCHEMA_NAME_LENGTH, SqlInfo.SQL_MAX_PROCEDURE_NAME_LENGTH,
            SqlInfo.SQL_MAX_CATALOG_NAME_LENGTH, SqlInfo.SQL_MAX_ROW_SIZE, SqlInfo.SQL_MAX_ROW_SIZE_INCLUDES_BLOBS,
            SqlInfo.SQL_MAX_STATEMENT_LENGTH, SqlInfo.SQL_MAX_STATEMENTS, SqlInfo.SQL_MAX_TABLE_NAME_LENGTH,
            SqlInfo.SQL_MAX_TABLES_IN_SELECT, SqlInfo.SQL_MAX_USERNAME_LENGTH, SqlInfo.SQL_DEFAULT_TRANSACTION_ISOLATION,
            SqlInfo.SQL_TRANSACTIONS_SUPPORTED, SqlInfo.SQL_SUPPORTED_TRANSACTIONS_ISOLATION_LEVELS,
            SqlInfo.SQL_DATA_DEFINITION_CAUSES_TRANSACTION_COMMIT, SqlInfo.SQL_DATA_DEFINITIONS_IN_TRANSACTIONS_IGNORED,
            SqlInfo.SQL_SUPPORTED_RESULT_SET_TYPES, SqlInfo.SQL_BATCH_UPDATES_SUPPORTED,
            SqlInfo.SQL_SAVEPOINTS_SUPPORTED, SqlInfo.SQL_NAMED_PARAMETERS_SUPPORTED, SqlInfo.SQL_LOCATORS_UPDATE_COPY,
            SqlInfo.SQL_STORED_FUNCTIONS_USING_CALL_SYNTAX_SUPPORTED);

    /** No limit, as JDBC says it: 0. */
    private static final long UNLIMITED = 0;

    private final SqlInfoBuilder answers;

    /**
     * @param name           the server's name, e.g. {@code Contrail}
     * @param version        its version
     * @param queryTimeout   how long a statement may run
     */
    ServerInfo(String name, String version, Duration queryTimeout) {
        String[] none = new String[0];
        answers = new SqlInfoBuilder()
                .withFlightSqlServerName(name)
                .withFlightSqlServerVersion(version)
                .withFlightSqlServerReadOnly(true)
                .withFlightSqlServerSql(true)
                .withFlightSqlServerSubstrait(false)
                .withFlightSqlServerTransaction(SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
                .withFlightSqlServerCancel(false)
                .withFlightSqlServerStatementTimeout((int) Math.min(Integer.MAX_VALUE, queryTimeout.toMillis()))
                .withSqlDdlCatalog(false)
                .withSqlDdlSchema(false)
                .withSqlDdlTable(false)
                .withSqlIdentifierCase(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
                .withSqlIdentifierQuoteChar("\"")
                .withSqlQuotedIdentifierCase(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
                .withSqlAllTablesAreSelectable(true)
                .withSqlNullOrdering(SqlNullOrdering.SQL_NULLS_SORTED_AT_END)
                .withSqlKeywords(none)
                .withSqlNumericFunctions(none)
                .withSqlStringFunctions(none)
                .withSqlSystemFunctions(none)
                .withSqlDatetimeFunctions(none)
                .withSqlSearchStringEscape("\\")
                .withSqlExtraNameCharacters("")
                .withSqlSupportsColumnAliasing(true)
                .withSqlNullPlusNullIsNull(true)
                .withSqlSupportsConvert(Map.of())
                .withSqlSupportsTableCorrelationNames(true)
                .withSqlSupportsDifferentTableCorrelationNames(false)
                .withSqlSupportsExpressionsInOrderBy(true)
                .withSqlSupportsOrderByUnrelated(true)
                .withSqlSupportedGroupBy(SqlSupportedGroupBy.SQL_GROUP_BY_UNRELATED,
                        SqlSupportedGroupBy.SQL_GROUP_BY_BEYOND_SELECT)
                .withSqlSupportsLikeEscapeClause(true)
                .withSqlSupportsNonNullableColumns(true)
                .withSqlSupportedGrammar(SupportedSqlGrammar.SQL_CORE_GRAMMAR)
                .withSqlAnsi92SupportedLevel(SupportedAnsi92SqlGrammarLevel.ANSI92_ENTRY_SQL)
                .withSqlSupportsIntegrityEnhancementFacility(false)
                .withSqlOuterJoinSupportLevel(SqlOuterJoinsSupportLevel.SQL_FULL_OUTER_JOINS)
                .withSqlSchemaTerm("schema")
                .withSqlProcedureTerm("procedure")
                .withSqlCatalogTerm("catalog")
                .withSqlCatalogAtStart(true)
                .withSqlSchemasSupportedActions()
                .withSqlCatalogsSupportedActions()
                .withSqlSupportedPositionedCommands()
                .withSqlSelectForUpdateSupported(false)
                .withSqlStoredProceduresSupported(false)
                .withSqlSubQueriesSupported(SqlSupportedSubqueries.SQL_SUBQUERIES_IN_COMPARISONS,
                        SqlSupportedSubqueries.SQL_SUBQUERIES_IN_EXISTS, SqlSupportedSubqueries.SQL_SUBQUERIES_IN_INS,
                        SqlSupportedSubqueries.SQL_SUBQUERIES_IN_QUANTIFIEDS)
                .withSqlCorrelatedSubqueriesSupported(true)
                .withSqlSupportedUnions(SqlSupportedUnions.SQL_UNION, SqlSupportedUnions.SQL_UNION_ALL)
                .withSqlMaxBinaryLiteralLength(UNLIMITED)
                .withSqlMaxCharLiteralLength(UNLIMITED)
                .withSqlMaxColumnNameLength(UNLIMITED)
                .withSqlMaxColumnsInGroupBy(UNLIMITED)
                .withSqlMaxColumnsInIndex(UNLIMITED)
                .withSqlMaxColumnsInOrderBy(UNLIMITED)
                .withSqlMaxColumnsInSelect(UNLIMITED)
                .withSqlMaxColumnsInTable(UNLIMITED)
                .withSqlMaxConnections(UNLIMITED)
                .withSqlMaxCursorNameLength(UNLIMITED)
                .withSqlMaxIndexLength(UNLIMITED)
                .withSqlDbSchemaNameLength(UNLIMITED)
                .withSqlMaxProcedureNameLength(UNLIMITED)
                .withSqlMaxCatalogNameLength(UNLIMITED)
                .withSqlMaxRowSize(UNLIMITED)
                .withSqlMaxRowSizeIncludesBlobs(true)
                .withSqlMaxStatementLength(UNLIMITED)
                .withSqlMaxStatements(UNLIMITED)
                .withSqlMaxTableNameLength(UNLIMITED)
                .withSqlMaxTablesInSelect(UNLIMITED)
                .withSqlMaxUsernameLength(UNLIMITED)
                .withSqlDefaultTransactionIsolation(SqlTransactionIsolationLevel.SQL_TRANSACTION_NONE_VALUE)
                .withSqlTransactionsSupported(false)
                .withSqlSupportedTransactionsIsolationLevels(SqlTransactionIsolationLevel.SQL_TRANSACTION_NONE)
                .withSqlDataDefinitionCausesTransactionCommit(false)
                .withSqlDataDefinitionsInTransactionsIgnored(false)
                .withSqlSupportedResultSetTypes(SqlSupportedResultSetType.SQL_RESULT_SET_TYPE_FORWARD_ONLY)
                .withSqlBatchUpdatesSupported(false)
                .withSqlSavepointsSupported(false)
                .withSqlNamedParametersSupported(false)
                .withSqlLocatorsUpdateCopy(false)
                .withSqlStoredFunctionsUsingCallSyntaxSupported(false);
    }

    /**
     * Answers the infos {@code requested} (their numbers) that the server knows: all of them when none is named,
     * none (an empty answer) when it knows none of those named.
     */
    void send(List<Integer> requested, ServerStreamListener listener, BufferAllocator allocator) {
        if (requested.isEmpty()) {
            answers.send(ANSWERED.stream().map(SqlInfo::getNumber).toList(), listener);
            return;
        }
        List<Integer> known = requested.stream().filter(number -> {
            SqlInfo info = SqlInfo.forNumber(number);
            return info != null && ANSWERED.contains(info);
        }).toList();
        if (!known.isEmpty()) {
            answers.send(known, listener);
            return;
        }
        try (VectorSchemaRoot none = VectorSchemaRoot.create(Schemas.GET_SQL_INFO_SCHEMA, allocator)) {
            listener.start(none);
            listener.completed();
        }
    }
}
