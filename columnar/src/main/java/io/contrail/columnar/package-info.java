package io.contrail.columnar;
