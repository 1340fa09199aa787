#!/usr/bin/env node
// The ClickHouse peer's engine process: chDB (embedded ClickHouse, the npm package "chdb") holding one
// persistent session on a data folder, behind a tiny HTTP server on a loopback port that the Java bench
// suite (io.contrail.bench.suite.ClickHousePeer) talks to.
//
//   node driver.js <data folder>
//
// Prints one JSON line on stdout once it listens: {"port": N, "version": "<ClickHouse version>"}.
//   POST /query?format=F          body = one SQL statement; answers its result in format F (default TabSeparated)
//   POST /insert?table=T&format=F body = rows in format F (JSONEachRow, TabSeparated, ...); one INSERT
//   POST /close                   closes the session (flushes what ClickHouse keeps in memory) and exits
// Errors answer 500 with ClickHouse's message as text. Nothing here is timed: the suite times each call
// from its own side, HTTP included, as it times Contrail's /api/sql.
'use strict';
const http = require('http');
const { Session } = require('chdb');

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: node driver.js <data folder>\n');
  process.exit(2);
}
const session = new Session(dataDir);

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function handle(request, response) {
  const url = new URL(request.url, 'http://localhost');
  const body = await readBody(request);
  if (request.method !== 'POST') {
    response.writeHead(405, { 'content-type': 'text/plain' });
    response.end('only POST\n');
    return;
  }
  if (url.pathname === '/query') {
    const result = await session.queryAsync(body.toString('utf8'), {
      format: url.searchParams.get('format') || 'TabSeparated',
    });
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(Buffer.from(result.bytes()));
  } else if (url.pathname === '/insert') {
    const table = url.searchParams.get('table');
    const format = url.searchParams.get('format') || 'JSONEachRow';
    if (!table) {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end('the query parameter "table" is missing\n');
      return;
    }
    const summary = await session.insert({ table, values: body, format });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ rowsWritten: summary.rowsWritten, bytesSent: summary.bytesSent }));
  } else if (url.pathname === '/close') {
    session.close();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('closed\n', () => process.exit(0));
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('unknown path ' + url.pathname + '\n');
  }
}

const server = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(String(error && error.message ? error.message : error) + '\n');
  });
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  const version = session.query('SELECT version()', 'TabSeparated').trim();
  process.stdout.write(JSON.stringify({ port: server.address().port, version }) + '\n');
});
// The suite closes stdin when it is done (or dies): then close the session and leave.
process.stdin.on('end', () => {
  try {
    session.close();
  } finally {
    process.exit(0);
  }
});
process.stdin.resume();
