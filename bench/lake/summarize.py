#!/usr/bin/env python3
"""Prints the tables of bench/results/lake/README.md from bench/lake/run's JSON: summarize.py [DIR]."""
import json
import os
import statistics
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../results/lake/raw')


def load(name):
    p = os.path.join(d, name + '.json')
    return json.load(open(p)) if os.path.exists(p) else None


def spread(xs, fmt='{:,.1f}'):
    xs = sorted(xs)
    return (fmt.format(statistics.median(xs)) + ' (' + ', '.join(fmt.format(x) for x in xs) + ')') if xs else '—'


ing = load('ingest')
if ing:
    runs = ing['runs']
    configs = ['local-1', 'lake-1', 'lake-2', 'lake-3']
    print('| figure | ' + ' | '.join(configs) + ' |')
    print('|---|' + '---:|' * len(configs))
    rows = [('acknowledged spans/s', 'spans_per_s', '{:,.0f}'), ('nodes\' CPU, µs/span', 'node_us_per_span', '{:.1f}'),
            ('S3Proxy CPU, µs/span', 's3proxy_us_per_span', '{:.2f}'), ('PostgreSQL CPU, µs/span', 'postgres_us_per_span', '{:.2f}'),
            ('load end → all in every cache, s', 'settle_s', '{:.1f}'), ('1-min load at start', 'load_at_start', '{:.2f}')]
    for label, key, fmt in rows:
        print(f'| {label} | ' + ' | '.join(spread([r[key] for r in runs if r['config'] == c], fmt) for c in configs) + ' |')
    for label, key in (('files (median)', 'files_written'), ('commits (median)', 'commits')):
        print(f'| {label} | ' + ' | '.join(
            str(statistics.median([r.get(key, 0) for r in runs if r['config'] == c])) for c in configs) + ' |')
    print()
    # by thread: median over the runs of each configuration
    keys = set()
    for r in runs:
        keys |= set(r['threads_us_per_span'])
    med = {c: {k: statistics.median([r['threads_us_per_span'].get(k, 0) for r in runs if r['config'] == c]) for k in keys}
           for c in configs}
    order = sorted(keys, key=lambda k: -max(med[c][k] for c in configs))
    print('| thread (µs/span, median of runs) | ' + ' | '.join(configs) + ' |')
    print('|---|' + '---:|' * len(configs))
    for k in order:
        if max(med[c][k] for c in configs) >= 0.05:
            print(f'| {k} | ' + ' | '.join(f'{med[c][k]:.2f}' for c in configs) + ' |')
    print()
    for c in configs[1:]:
        s = ing['summary'][c]
        print(f"{c}: commit (upload + commit) ms {s['commit_ms']}, files/commit {s['files_per_commit']:.2f}, "
              f"spans/file {s['spans_per_file']:,.0f}")
    for r in runs:
        if r['lake']:
            print(f"  {r['config']} round {r['round']}: uploaded {r['bytes_uploaded']:,} B, downloaded {r['bytes_downloaded']:,} B "
                  f"in {r['downloads']} downloads, table files {r['table_files']}, per node {r['per_node_spans']}, 503s {r['refused503']}")
    print()

lat = load('latency')
if lat:
    print(f"idle CPU per lake node {lat['idle_cpu_percent_per_node']}% of a core; S3Proxy+PostgreSQL {lat['idle_services_cpu_percent']}%")
    print('| acknowledged on A → visible | n | median s | p95 s | max s | min s |')
    print('|---|---:|---:|---:|---:|---:|')
    for cond in ('idle', 'loaded'):
        for where, label in (('other_node', 'on B (another node)'), ('same_node', 'on A (the node that acknowledged)')):
            s = lat[cond][where]
            print(f"| {cond}: {label} | {s['n']} | {s['median']:.2f} | {s['p95']:.2f} | {s['max']:.2f} | {s['min']:.2f} |")
    for cond in ('idle', 'loaded'):
        s = lat[cond]['commit_ms']
        print(f"{cond}: commit ms n={s['n']} median {s['median']} p95 {s['p95']} max {s['max']}")
    print('background:', lat['loaded']['background'], f"achieved {lat['loaded']['background_spans_per_s']:,.0f} spans/s")
    print()

q = load('query')
if q:
    print('table', q['table'], 'files', q['files'])
    print('answers', q['answers'])
    print('cold', q['cold'])
    nodes = list(next(iter(q['warm_ms'].values())).keys())
    print('| query (ms, median (min–max)) | ' + ' | '.join(nodes) + ' |')
    print('|---|' + '---:|' * len(nodes))
    for name, per in q['warm_ms'].items():
        print(f'| {name} | ' + ' | '.join(f"{per[n]['median']} ({per[n]['min']}–{per[n]['max']})" for n in nodes) + ' |')
    print()

g = load('growth')
if g:
    print('template files', g['template_files'], 'columns', g['columns'])
    cols = ['commits', 'snapshots', 'metadata_json_bytes', 'manifests', 'manifest_bytes', 'manifest_list_bytes',
            'metadata_folder_files', 'metadata_folder_bytes', 'commit_ms_median', 'load_table_ms', 'plan_files_ms',
            'reader_refresh_ms']
    print('| ' + ' | '.join(cols) + ' |')
    print('|' + '---:|' * len(cols))
    for p in g['points']:
        print('| ' + ' | '.join(f'{p[c]:,}' if isinstance(p[c], int) else f'{p[c]:.1f}' for c in cols) + ' |')
