package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * A parameterised SQL statement a service runs, with its attribute pairs prebuilt in both the
 * current ({@code db.query.text}) and the deprecated ({@code db.statement}) spelling.
 */
record SqlStatement(String spanName, KeyValue operationKv, KeyValue collectionKv, KeyValue textKv,
    KeyValue legacyStatementKv, KeyValue namespaceKv, KeyValue legacyNameKv, KeyValue userKv) {

  SqlStatement(String namespace, String user, String operation, String collection, String text) {
    this(operation + " " + collection, kv(DB_OPERATION_NAME, operation),
        kv(DB_COLLECTION_NAME, collection), kv(DB_QUERY_TEXT, text), kv(DB_STATEMENT, text),
        kv(DB_NAMESPACE, namespace), kv(DB_NAME, namespace), kv(DB_USER, user));
  }
}
