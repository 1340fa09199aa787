package io.contrail.ingest;
