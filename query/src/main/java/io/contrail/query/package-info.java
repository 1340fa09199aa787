package io.contrail.query;
