package io.contrail.workload;

/**
 * Which part of a service's instrumentation produced a span; each service maps the roles it has
 * to an instrumentation scope (two roles may share one library, e.g. a gRPC server and client).
 */
enum ScopeRole {
  SERVER,
  RPC_CLIENT,
  HTTP_CLIENT,
  MANUAL,
  DATABASE,
  CACHE,
  MESSAGING
}
