#!/usr/bin/env python3
"""The cluster mode's measures (bench/lake/run is the entry; see its --help).

Phases, each writing DIR/<phase>.json and printing a summary:
  ingest   1, 2 and 3 lake nodes vs one local node, the same load split evenly; spans/s and CPU per span
  latency  acknowledged on node A -> visible on node B, idle and under load; publisher commit times
  query    the same spans in a local node (compacted / flushed files) and a lake node: cold join, warm queries
  growth   a table grown by N single-file commits (TableGrowth.java): metadata sizes, commit and planning times
  bounded  a node with --cache-size a quarter of the table: per-hour queries cold (files fetched) and warm, against
           a node holding every file; the whole table refused; a trace by ID from files not on disk
Every process it starts is stopped before it returns (or on SIGTERM/SIGINT).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import urllib.error
from collections import Counter

HZ = os.sysconf('SC_CLK_TCK')
CHILDREN = []          # every Popen we started
ENV = dict(os.environ, AWS_ACCESS_KEY_ID='contrail', AWS_SECRET_ACCESS_KEY='contrail-secret', AWS_REGION='us-east-1')


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


# ---------------------------------------------------------------- processes and /proc

def stat_fields(path):
    s = open(path).read()
    return s[s.rindex(')') + 2:].split()


def proc_cpu(pid, children=False):
    """utime+stime (and, with children, of reaped children) of a process, in seconds."""
    f = stat_fields(f'/proc/{pid}/stat')
    t = int(f[11]) + int(f[12])
    if children:
        t += int(f[13]) + int(f[14])
    return t / HZ


def threads_cpu(pid):
    """CPU seconds by thread name, digits folded ("GC Thread#0" and "#1" add up)."""
    agg = Counter()
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            comm = open(f'/proc/{pid}/task/{t}/comm').read().strip()
            f = stat_fields(f'/proc/{pid}/task/{t}/stat')
        except OSError:
            continue
        agg[re.sub(r'\d+', 'N', comm)] += (int(f[11]) + int(f[12])) / HZ
    return agg


def descendants_cpu(root):
    """CPU of root (with its reaped children) and of its live children: the PostgreSQL postmaster and its backends."""
    total = proc_cpu(root, children=True)
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            f = stat_fields(f'/proc/{p}/stat')
        except OSError:
            continue
        if f[1] == str(root):
            total += (int(f[11]) + int(f[12])) / HZ
    return total


def loadavg():
    return float(open('/proc/loadavg').read().split()[0])


def wait_quiet(limit=float(os.environ.get('LAKE_BENCH_LOAD', '1.5')), most=int(os.environ.get('LAKE_BENCH_MAX_WAIT', '240'))):
    """Waits until the 1-minute load is at most `limit` (the machine is shared); returns (load seen, seconds waited)."""
    t0 = time.time()
    first = loadavg()
    while loadavg() > limit and time.time() - t0 < most:
        time.sleep(5)
    waited = time.time() - t0
    if waited > 1:
        log(f'  load {first:.2f} -> {loadavg():.2f} after waiting {waited:.0f} s')
    return {'load_before_wait': first, 'load_at_start': loadavg(), 'waited_s': round(waited)}


def http(url, body=None, ctype='application/json', timeout=60):
    req = urllib.request.Request(url, data=body, headers={'Content-Type': ctype} if body is not None else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


HEALTH_ERRORS = Counter()


def health(url):
    """/health; an answer 500 is counted and asked again (seen while a lake node downloads: see README)."""
    for attempt in range(20):
        try:
            return json.loads(http(url + '/health', timeout=10)[1])
        except urllib.error.HTTPError as e:
            HEALTH_ERRORS[f'{e.code}: {e.read()[:300]!r}'] += 1
            time.sleep(0.05)
    raise RuntimeError(f'{url}/health kept failing: {dict(HEALTH_ERRORS)}')


def sql(url, q, timeout=60):
    return json.loads(http(url + '/api/sql', json.dumps({'sql': q}).encode(), timeout=timeout)[1])


class Node:
    def __init__(self, args, name, port, lake=True, extra=()):
        self.name, self.port, self.lake = name, port, lake
        self.url = f'http://127.0.0.1:{port}'
        self.data = os.path.join(args.scratch, 'nodes', name)
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        self.logpath = self.data + '.log'
        cmd = ['java', '--add-opens=java.base/java.nio=ALL-UNNAMED', '-Xmx1g', '-jar', args.jar, 'serve',
               '--data', self.data, '--port', str(port), '--grpc-port', '-1', '--flight-port', '-1', *extra]
        if lake:
            cmd += ['--storage', 's3://contrail/spans', '--s3-endpoint', f'http://127.0.0.1:{args.s3_port}',
                    '--catalog', f'jdbc:postgresql://127.0.0.1:{args.pg_port}/postgres?user=contrail']
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=open(self.logpath, 'w'), stderr=subprocess.STDOUT, env=ENV)
        CHILDREN.append(self.proc)
        self.pid = self.proc.pid
        for _ in range(1200):
            if self.proc.poll() is not None:
                raise RuntimeError(f'{name} exited: ' + open(self.logpath).read()[-2000:])
            try:
                health(self.url)
                break
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        else:
            raise RuntimeError(f'{name} did not answer /health in 60 s')
        self.ready_s = time.time() - self.started

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def stop_all():
    for p in CHILDREN:
        if p.poll() is None:
            p.terminate()
    for p in CHILDREN:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()


def reset_table(args):
    """A fresh, empty table: the catalog's tables dropped (the JDBC catalog makes them anew) and the bucket emptied."""
    subprocess.run(['psql', '-q', '-h', '127.0.0.1', '-p', str(args.pg_port), '-U', 'contrail', '-d', 'postgres', '-c',
                    'DROP TABLE IF EXISTS iceberg_tables, iceberg_namespace_properties'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bucket = os.path.join(args.servers, 's3', 'contrail')
    for entry in os.listdir(bucket):
        shutil.rmtree(os.path.join(bucket, entry), ignore_errors=True)


def service_pids(args):
    s3 = int(open(os.path.join(args.servers, 's3proxy.pid')).read())
    pg = int(open(os.path.join(args.servers, 'pg', 'data', 'postmaster.pid')).readline())
    return s3, pg


def services_cpu(args):
    s3, pg = service_pids(args)
    return proc_cpu(s3), descendants_cpu(pg)


def drive(args, urls, spans, extra=(), tag='load'):
    out = os.path.join(args.scratch, f'{tag}.json')
    cmd = ['java', '-Xmx3g', '-jar', args.load_jar, '--url', ','.join(urls), '--clients', str(args.clients),
           '--spans', str(spans), '--json-out', out, *extra]
    if '--duration' in extra:
        cmd.remove('--spans')
        cmd.remove(str(spans))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    CHILDREN.append(p)
    text, _ = p.communicate()
    return json.load(open(out)), text


class CommitSampler(threading.Thread):
    """Polls each node's /health every 100 ms and records every new commit's lastCommitMillis (upload + commit)."""
    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes, self.stop_flag, self.samples, self.missed = nodes, False, [], 0
        self.seen = {n.url: (0, 0) for n in nodes}

    def run(self):
        while not self.stop_flag:
            for n in self.nodes:
                try:
                    lake = health(n.url)['lake']
                except Exception:
                    continue
                commits, at = self.seen[n.url]
                if lake['lastCommitAt'] != at and lake['lastCommitMillis'] >= 0:
                    self.samples.append(lake['lastCommitMillis'])
                    self.missed += max(0, lake['commits'] - commits - 1) if commits else 0
                    self.seen[n.url] = (lake['commits'], lake['lastCommitAt'])
            time.sleep(0.1)


def settle(nodes, lake, most=300):
    """Waits until nothing is buffered and, with a lake, nothing waits for upload and every cache holds the whole table."""
    t0 = time.time()
    while time.time() - t0 < most:
        hs = [health(n.url) for n in nodes]
        done = all(h['spansBuffered'] == 0 for h in hs)
        if lake and done:
            files = sum(h['lake']['filesCommitted'] for h in hs)
            done = all(h['lake']['pendingFiles'] == 0 and h['lake']['tableFiles'] == files for h in hs) \
                and len({h['lake']['snapshotId'] for h in hs}) == 1
        if done:
            return time.time() - t0, hs
        time.sleep(0.2)
    raise RuntimeError('did not settle in %d s: %s' % (most, [h.get('lake') for h in hs]))


def med(xs):
    return statistics.median(xs) if xs else None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))] if xs else None


# ---------------------------------------------------------------- phase 1: ingest

def ingest(args):
    configs = [('local-1', 1, False), ('lake-1', 1, True), ('lake-2', 2, True), ('lake-3', 3, True)]
    runs = []
    for r in range(args.runs):
        order = configs[r % len(configs):] + configs[:r % len(configs)]   # rotate: interleaved A/B/C/D
        for name, k, lake in order:
            quiet = wait_quiet()
            if lake:
                reset_table(args)
            nodes = [Node(args, f'{name}-n{i}', args.base_port + 10 + i, lake,
                          extra=() if lake else ('--compact-interval', '0')) for i in range(k)]
            sampler = CommitSampler(nodes) if lake else None
            cpu0 = [proc_cpu(n.pid) for n in nodes]
            thr0 = [threads_cpu(n.pid) for n in nodes]
            svc0 = services_cpu(args)
            if sampler:
                sampler.start()
            t0 = time.time()
            report, _ = drive(args, [n.url for n in nodes], args.spans, tag=f'ingest-{name}-{r}')
            load_end = time.time()
            settle_s, hs = settle(nodes, lake)
            cpu1 = [proc_cpu(n.pid) for n in nodes]
            thr1 = [threads_cpu(n.pid) for n in nodes]
            svc1 = services_cpu(args)
            if sampler:
                sampler.stop_flag = True
                sampler.join()
            spans = report['throughput']['acknowledgedSpans']
            threads = Counter()
            for a, b in zip(thr0, thr1):
                for key in b:
                    threads[key] += b[key] - a.get(key, 0)
            node_cpu = sum(b - a for a, b in zip(cpu0, cpu1))
            run = {
                'config': name, 'nodes': k, 'lake': lake, 'round': r, **quiet,
                'spans': spans, 'spans_per_s': report['throughput']['spansPerSecond'],
                'load_seconds': report['throughput']['seconds'], 'settle_s': round(settle_s, 2),
                'refused503': report['refusals']['http503'], 'refused429': report['refusals']['http429'],
                'node_cpu_s': round(node_cpu, 2), 'node_us_per_span': round(node_cpu * 1e6 / spans, 2),
                's3proxy_us_per_span': round((svc1[0] - svc0[0]) * 1e6 / spans, 2),
                'postgres_us_per_span': round((svc1[1] - svc0[1]) * 1e6 / spans, 2),
                'threads_us_per_span': {k2: round(v * 1e6 / spans, 3) for k2, v in threads.most_common() if v > 0},
                'per_node_spans': [h['spansAccepted'] for h in hs],
                'files_written': sum(h['filesWritten'] for h in hs),
            }
            if lake:
                lk = [h['lake'] for h in hs]
                run.update({
                    'commits': sum(l['commits'] for l in lk), 'table_files': lk[0]['tableFiles'],
                    'bytes_uploaded': sum(l['bytesUploaded'] for l in lk),
                    'bytes_downloaded': sum(l['bytesDownloaded'] for l in lk),
                    'downloads': sum(l['downloads'] for l in lk),
                    'commit_ms': sampler.samples, 'commits_not_sampled': sampler.missed,
                })
            runs.append(run)
            log(f"  {name} round {r}: {run['spans_per_s']:,.0f} spans/s, node {run['node_us_per_span']} µs/span, "
                f"S3Proxy {run['s3proxy_us_per_span']}, PostgreSQL {run['postgres_us_per_span']}, settle {settle_s:.1f} s, "
                f"files {run['files_written']}" + (f", commits {run['commits']}" if lake else ''))
            for n in nodes:
                n.stop()
                shutil.rmtree(n.data, ignore_errors=True)
    summary = {}
    for name, k, lake in configs:
        rs = [x for x in runs if x['config'] == name]
        s = {key: {'median': med([x[key] for x in rs]), 'min': min(x[key] for x in rs), 'max': max(x[key] for x in rs)}
             for key in ('spans_per_s', 'node_us_per_span', 's3proxy_us_per_span', 'postgres_us_per_span', 'settle_s')}
        keys = set().union(*[x['threads_us_per_span'] for x in rs])
        s['threads_median_us_per_span'] = dict(sorted(
            ((key, med([x['threads_us_per_span'].get(key, 0) for x in rs])) for key in keys), key=lambda kv: -kv[1]))
        if lake:
            allc = [c for x in rs for c in x['commit_ms']]
            s['commit_ms'] = {'n': len(allc), 'median': med(allc), 'p95': pct(allc, .95), 'max': max(allc) if allc else None}
            s['files_per_commit'] = med([x['table_files'] / x['commits'] for x in rs])
            s['spans_per_file'] = med([x['spans'] / x['table_files'] for x in rs])
        summary[name] = s
    return {'runs': runs, 'summary': summary}


# ---------------------------------------------------------------- phase 2: acknowledged -> visible elsewhere

def probe_body(trace_id, span_id):
    now = time.time_ns()
    return json.dumps({'resourceSpans': [{'resource': {'attributes': [
        {'key': 'service.name', 'value': {'stringValue': 'lakebench-probe'}}]},
        'scopeSpans': [{'spans': [{'traceId': trace_id, 'spanId': span_id, 'name': 'probe', 'kind': 1,
                                   'startTimeUnixNano': str(now - 1_000_000), 'endTimeUnixNano': str(now)}]}]}]}).encode()


def visibility_samples(a, b, n, stop=lambda: False):
    out = []
    for i in range(n):
        if stop():
            break
        tid = '%032x' % random.getrandbits(128)
        sid = '%016x' % random.getrandbits(64)
        status, _ = http(a.url + '/v1/traces', probe_body(tid, sid))
        acked = time.perf_counter()
        assert status == 200
        q = f"SELECT count(*) FROM spans WHERE trace_id = '{tid}'"
        seen = {}
        while len(seen) < 2 and time.perf_counter() - acked < 60:
            for node, key in ((b, 'other'), (a, 'same')):
                if key not in seen and sql(node.url, q)['rows'][0][0] >= 1:
                    seen[key] = time.perf_counter() - acked
            time.sleep(0.05)
        out.append({'other_node_s': seen.get('other'), 'same_node_s': seen.get('same')})
        time.sleep(random.uniform(0.0, 0.5))   # so that the probes do not keep one phase of the 1 s timers
    return out


def summarize(xs):
    xs = [x for x in xs if x is not None]
    return {'n': len(xs), 'median': med(xs), 'p95': pct(xs, .95), 'max': max(xs) if xs else None,
            'min': min(xs) if xs else None}


def latency(args):
    wait_quiet()
    reset_table(args)
    a = Node(args, 'lat-a', args.base_port + 10)
    b = Node(args, 'lat-b', args.base_port + 11)
    result = {}
    try:
        # idle: the nodes' own cost of polling the catalog, 20 s
        c0 = [proc_cpu(a.pid), proc_cpu(b.pid)]
        s0 = services_cpu(args)
        time.sleep(20)
        c1 = [proc_cpu(a.pid), proc_cpu(b.pid)]
        s1 = services_cpu(args)
        result['idle_cpu_percent_per_node'] = round(sum(y - x for x, y in zip(c0, c1)) / 2 / 20 * 100, 2)
        result['idle_services_cpu_percent'] = round(sum(y - x for x, y in zip(s0, s1)) / 20 * 100, 2)
        sampler = CommitSampler([a])
        sampler.start()
        idle = visibility_samples(a, b, args.samples)
        sampler.stop_flag = True
        sampler.join()
        result['idle'] = {'samples': idle, 'other_node': summarize([x['other_node_s'] for x in idle]),
                          'same_node': summarize([x['same_node_s'] for x in idle]),
                          'commit_ms': summarize(sampler.samples)}
        log('  idle: ack -> visible on B', result['idle']['other_node'], 'on A', result['idle']['same_node'])
        # under load: a steady background load on both nodes while the probes run
        wait_quiet()
        holder = {}
        bg = threading.Thread(target=lambda: holder.update(r=drive(
            args, [a.url, b.url], 0, tag='latency-background',
            extra=('--duration', str(args.bg_seconds), '--rate', str(args.bg_rate), '--buffer-mb', '256'))[0]))
        sampler = CommitSampler([a, b])
        bg.start()
        time.sleep(8)   # the driver generates its first requests, then sends
        sampler.start()
        loaded = visibility_samples(a, b, args.samples, stop=lambda: not bg.is_alive())
        sampler.stop_flag = True
        sampler.join()
        bg.join()
        result['loaded'] = {'background': f'{args.bg_rate} spans/s over both nodes, {args.bg_seconds} s',
                            'background_spans_per_s': holder['r']['throughput']['spansPerSecond'],
                            'samples': loaded, 'other_node': summarize([x['other_node_s'] for x in loaded]),
                            'same_node': summarize([x['same_node_s'] for x in loaded]),
                            'commit_ms': summarize(sampler.samples)}
        log('  loaded: ack -> visible on B', result['loaded']['other_node'], 'on A', result['loaded']['same_node'])
    finally:
        a.stop()
        b.stop()
    return result


# ---------------------------------------------------------------- phase 3: queries over the cache vs local files

QUERIES = {
    'count': 'SELECT count(*) FROM spans',
    'p99_by_service': 'SELECT service_name, quantile_cont(duration_nanos, 0.99) AS p99 FROM spans GROUP BY 1 ORDER BY 1',
    'trace_sql': "SELECT span_id, name, start_time FROM spans WHERE trace_id = '{tid}' ORDER BY start_time",
}


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def query(args):
    out = {}
    wait_quiet()
    reset_table(args)
    nodes = {}
    try:
        # the same spans (seed 42) into each, one at a time
        for name, lake, extra in (('local-compacted', False, ('--compact-interval', '1s')),
                                  ('local-flushed', False, ('--compact-interval', '0')),
                                  ('lake', True, ())):
            wait_quiet()
            n = Node(args, 'q-' + name, args.base_port + 20 + len(nodes), lake, extra)
            drive(args, [n.url], args.query_spans, tag='query-' + name)
            settle([n], lake)
            if name == 'local-compacted':
                t0 = time.time()
                while health(n.url)['compactionPending'] != 0 and time.time() - t0 < 300:
                    time.sleep(0.5)
                time.sleep(3)
            nodes[name] = n
        for name, n in nodes.items():
            h = health(n.url)
            out.setdefault('files', {})[name] = h['lake']['tableFiles'] if 'lake' in h and h['lake'] else h['files']
        lake_h = health(nodes['lake'].url)['lake']
        out['table'] = {'files': lake_h['tableFiles'], 'bytes': lake_h['cacheBytes'], 'spans': lake_h['spansCommitted']}
        # (a) cold: a new node joins the table; Lake.open fills its cache before the node listens
        cold = []
        for i in range(args.cold_runs):
            wait_quiet()
            base = Node(args, f'q-empty-{i}', args.base_port + 30, False)   # JVM start of a local node, for reference
            base.stop()
            shutil.rmtree(base.data, ignore_errors=True)
            c = Node(args, f'q-join-{i}', args.base_port + 31, True)
            h = health(c.url)['lake']
            cold.append({'ready_s': round(c.ready_s, 2), 'empty_local_ready_s': round(base.ready_s, 2),
                         'downloads': h['downloads'], 'bytes_downloaded': h['bytesDownloaded'],
                         'table_files': h['tableFiles']})
            log('  cold join', cold[-1])
            if i < args.cold_runs - 1:
                c.stop()
                shutil.rmtree(c.data, ignore_errors=True)
            else:
                nodes['lake-joined'] = c
        out['cold'] = cold
        # (b) warm: each query on each node, rounds interleaving the nodes
        tid = sql(nodes['local-compacted'].url,
                  "SELECT trace_id FROM spans WHERE service_name = 'frontend' ORDER BY trace_id LIMIT 1 OFFSET 5000")['rows'][0][0]
        out['trace_id'] = tid
        times = {q: {n: [] for n in nodes} for q in list(QUERIES) + ['trace_api']}
        answers = {}
        wait_quiet()
        for r in range(args.query_rounds + 1):
            order = list(nodes.items())
            order = order[r % len(order):] + order[:r % len(order)]
            for q, text in QUERIES.items():
                for name, n in order:
                    res = {}
                    ms = timed(lambda: res.update(a=sql(n.url, text.format(tid=tid))))
                    answers.setdefault(q, {})[name] = len(res['a']['rows']) if q != 'count' else res['a']['rows'][0][0]
                    if r > 0:
                        times[q][name].append(ms)
            for name, n in order:
                ms = timed(lambda: http(n.url + '/api/traces/' + tid))
                if r > 0:
                    times['trace_api'][name].append(ms)
        out['answers'] = answers
        out['warm_ms'] = {q: {n: {'median': round(med(v), 1), 'min': round(min(v), 1), 'max': round(max(v), 1)}
                              for n, v in d.items()} for q, d in times.items()}
        log('  warm', json.dumps(out['warm_ms']))
    finally:
        for n in nodes.values():
            n.stop()
    return out


# ---------------------------------------------------------------- phase 5: a bounded cache

def post_status(url, q):
    """(HTTP status, ms) of a SQL request that may be refused."""
    t = time.perf_counter()
    try:
        status = http(url + '/api/sql', json.dumps({'sql': q}).encode())[0]
    except urllib.error.HTTPError as e:
        status = e.code
    return status, (time.perf_counter() - t) * 1000


def bounded(args):
    """Spans over several hours of span time in the table; a node whose cache holds a quarter of it asks each hour."""
    out = {}
    wait_quiet()
    reset_table(args)
    nodes = []
    try:
        # 2 simulated traces/s spreads the spans over hours of span time (from now on).
        writer = Node(args, 'b-writer', args.base_port + 40, True, ('--compact-interval', '0'))
        nodes.append(writer)
        drive(args, [writer.url], args.query_spans, ('--simulated-traces-per-second', '2'), tag='bounded-load')
        settle([writer], True)
        h = health(writer.url)['lake']
        table_bytes = h['cacheBytes']
        out['table'] = {'files': h['tableFiles'], 'bytes': table_bytes, 'spans': h['spansCommitted']}
        hours = sql(writer.url, "SELECT strftime(date_trunc('hour', start_time), '%Y-%m-%d %H:00:00') AS h, count(*) "
                                "FROM spans GROUP BY 1 ORDER BY 1")['rows']
        out['hours'] = {r[0]: r[1] for r in hours}
        bound = table_bytes // 4
        wait_quiet()
        reader = Node(args, 'b-reader', args.base_port + 41, True, ('--compact-interval', '0', '--cache-size', str(bound)))
        nodes.append(reader)
        rh = health(reader.url)['lake']
        out['join'] = {'ready_s': round(reader.ready_s, 2), 'cache_bytes': rh['cacheBytes'], 'cached_files': rh['cachedFiles'],
                       'bound': bound}
        per_hour = []
        wait_quiet()
        for hour, expected in hours:
            q = (f"SELECT count(*), sum(duration_nanos) FROM spans WHERE start_time >= TIMESTAMP '{hour}' "
                 f"AND start_time < TIMESTAMP '{hour}' + INTERVAL 1 HOUR")
            before = health(reader.url)['lake']
            res = {}
            cold = timed(lambda: res.update(a=sql(reader.url, q)))
            after = health(reader.url)['lake']
            warm = [timed(lambda: sql(reader.url, q)) for _ in range(5)]
            full = [timed(lambda: sql(writer.url, q)) for _ in range(5)]
            row = {'hour': hour, 'spans': expected, 'answer': res['a']['rows'][0][0],
                   'same_as_full_node': res['a']['rows'][0] == sql(writer.url, q)['rows'][0],
                   'cold_ms': round(cold, 1), 'downloaded_bytes': after['bytesDownloaded'] - before['bytesDownloaded'],
                   'downloads': after['downloads'] - before['downloads'],
                   'warm_ms': round(med(warm), 1), 'full_node_ms': round(med(full), 1)}
            per_hour.append(row)
            log('  hour', row)
        out['per_hour'] = per_hour
        status, ms = post_status(reader.url, 'SELECT count(*) FROM spans')
        out['whole_table'] = {'status': status, 'ms': round(ms, 1)}
        tid = sql(writer.url, f"SELECT trace_id FROM spans WHERE start_time < TIMESTAMP '{hours[0][0]}' + INTERVAL 1 HOUR "
                              "ORDER BY trace_id LIMIT 1")['rows'][0][0]
        before = health(reader.url)['lake']
        cold = timed(lambda: http(reader.url + '/api/traces/' + tid))
        after = health(reader.url)['lake']
        out['trace_by_id'] = {'cold_ms': round(cold, 1), 'downloads': after['downloads'] - before['downloads'],
                              'warm_ms': round(med([timed(lambda: http(reader.url + '/api/traces/' + tid)) for _ in range(5)]), 1),
                              'full_node_ms': round(med([timed(lambda: http(writer.url + '/api/traces/' + tid)) for _ in range(5)]), 1)}
        end = health(reader.url)['lake']
        out['reader_end'] = {k: end[k] for k in ('tableFiles', 'cachedFiles', 'cacheBytes', 'cacheMaxBytes', 'cacheEvictions',
                                                  'queriesRefused', 'downloads', 'bytesDownloaded')}
        log('  bounded', json.dumps({k: out[k] for k in ('join', 'whole_table', 'trace_by_id', 'reader_end')}))
    finally:
        for n in nodes:
            n.stop()
    return out


# ---------------------------------------------------------------- phase 4: table growth

def growth(args):
    """Grows a copy of the table (its schema and real file entries) commit by commit; see TableGrowth.java."""
    wait_quiet()
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(args.servers, 's3', 'contrail', 'spans')):
        raise RuntimeError('growth needs the table the query phase made (run --phase query first, or all)')
    out = os.path.join(args.scratch, 'growth.json')
    cmd = ['java', '-Xmx1g', '-cp', args.jar, os.path.join(here, 'TableGrowth.java'),
           f'jdbc:postgresql://127.0.0.1:{args.pg_port}/postgres?user=contrail', f'http://127.0.0.1:{args.s3_port}',
           os.path.join(args.servers, 's3'), str(args.growth_commits), str(args.growth_seconds), out]
    p = subprocess.Popen(cmd, env=ENV)
    CHILDREN.append(p)
    if p.wait() != 0:
        raise RuntimeError('TableGrowth failed')
    return json.load(open(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--phase', default='all')
    ap.add_argument('--jar', required=True)
    ap.add_argument('--load-jar', required=True)
    ap.add_argument('--servers', required=True)
    ap.add_argument('--scratch', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--s3-port', type=int, default=19100)
    ap.add_argument('--pg-port', type=int, default=19101)
    ap.add_argument('--base-port', type=int, default=19100)
    ap.add_argument('--spans', type=int, default=1_000_000)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--clients', type=int, default=6)
    ap.add_argument('--samples', type=int, default=30)
    ap.add_argument('--bg-rate', type=int, default=20000)
    ap.add_argument('--bg-seconds', type=int, default=120)
    ap.add_argument('--query-spans', type=int, default=1_000_000)
    ap.add_argument('--cold-runs', type=int, default=3)
    ap.add_argument('--query-rounds', type=int, default=7)
    ap.add_argument('--growth-commits', type=int, default=3000)
    ap.add_argument('--growth-seconds', type=int, default=420)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    phases = ['ingest', 'latency', 'query', 'growth', 'bounded'] if args.phase == 'all' else args.phase.split(',')
    try:
        for phase in phases:
            log(f'phase {phase}')
            t0 = time.time()
            result = globals()[phase](args)
            result['phase_seconds'] = round(time.time() - t0)
            result['health_errors'] = dict(HEALTH_ERRORS)
            HEALTH_ERRORS.clear()
            with open(os.path.join(args.out, phase + '.json'), 'w') as f:
                json.dump(result, f, indent=1)
            log(f'phase {phase} done in {result["phase_seconds"]} s -> {phase}.json')
    except BaseException:
        logs = os.path.join(args.out, 'failed-run-logs')
        os.makedirs(logs, exist_ok=True)
        nodes = os.path.join(args.scratch, 'nodes')
        for f in os.listdir(nodes) if os.path.isdir(nodes) else []:
            if f.endswith('.log'):
                shutil.copy(os.path.join(nodes, f), logs)
        raise
    finally:
        stop_all()


if __name__ == '__main__':
    main()
