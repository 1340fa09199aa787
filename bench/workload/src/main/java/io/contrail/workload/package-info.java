package io.contrail.workload;
