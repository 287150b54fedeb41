"""A synthetic spec at organisation scale, for bench/run.sh.

    python3 bench/spec.py WORKLOADS [LAYOUT] > eksgrant.toml

WORKLOADS workloads on WORKLOADS/100 existing clusters (at least one), three
principals per cluster (an administrator, an editor, a viewer). Every workload has a preset, a statement of its own
and a grant on the next cluster, so every path renders; every tenth uses IRSA.
"""
import sys

workloads = int(sys.argv[1])
layout = sys.argv[2] if len(sys.argv) > 2 else ""
clusters = max(workloads // 100, 1)
out = ['version = 1', '', '[aws]', 'account_id = "111122223333"', 'region = "eu-west-2"', '',
       '[iam]', 'path = "/eksgrant/"', 'tags = { owner = "bench" }', '']
if layout:
    out += ['[terraform]', f'layout = "{layout}"', '']
for c in range(1, clusters + 1):
    out += [f'[clusters.c{c}]',
            f'oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/{c:032X}"', '']
for w in range(workloads):
    c = w % clusters + 1
    nxt = c % clusters + 1
    key = f'w{w}'
    out += [f'[workloads.{key}]', f'cluster = "c{c}"', f'namespace = "ns{w // clusters}"']
    if w % 10 == 9:
        out.append('identity = "irsa"')
    out += ['aws.presets = [{ name = "external-dns", hosted_zone_ids = ["Z0123456789ABCDEFGHIJ"] }]',
            f'[[workloads.{key}.aws.statements]]', 'actions = ["s3:GetObject"]',
            f'resources = ["arn:aws:s3:::bucket-{w}/*"]',
            f'[[workloads.{key}.grants]]', f'cluster = "c{nxt}"', 'namespaces = ["jobs"]',
            'rules = [{ api_groups = [""], resources = ["pods"], verbs = ["get", "list", "create"] }]', '']
for c in range(1, clusters + 1):
    for p in range(3):
        key = f'p{c}-{p}'
        out += [f'[principals.{key}]', f'arn = "arn:aws:iam::111122223333:role/team-{c}-{p}"',
                f'[[principals.{key}.grants]]', f'cluster = "c{c}"']
        out += [['access_policy = "AmazonEKSClusterAdminPolicy"', 'cluster_role = "edit"', 'access_policy = "AmazonEKSViewPolicy"'][p], '']
print('\n'.join(out))
