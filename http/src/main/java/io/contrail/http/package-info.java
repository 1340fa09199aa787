package io.contrail.http;
