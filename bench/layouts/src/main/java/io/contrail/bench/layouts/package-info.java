package io.contrail.bench.layouts;
