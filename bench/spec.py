"""A synthetic spec at organisation scale, for bench/run.sh and bench/scaling.sh.

    python3 bench/spec.py WORKLOADS [LAYOUT] [--dense [--acknowledged]] > eksgrant.toml

WORKLOADS workloads on WORKLOADS/100 clusters (at least one).

Clean (the default): every cluster exists, with three principals (an
administrator, an editor, a viewer). Every workload has a preset, a statement
of its own and a grant on the next cluster, so every path renders; every
tenth uses IRSA. It has no warnings.

--dense: shaped like an organisation's spec, warnings included. A tenth of
the clusters are created by the spec with a private endpoint (half of them
let the cluster before them reach it); workloads sit five to a namespace,
twenty namespaces a cluster; a quarter use IRSA, one in twenty-five runs in
two clusters. Every workload has two statements and three grants (its own
namespace, a cross-cluster grant on the next cluster, a team namespace),
half a preset. Each cluster has an administrator, a viewer, a CI role that
patches deployments in four namespaces, and a team role that edits two
(the ClusterRole edit: Secrets, exec, impersonation, pods, each a lint). Of
the workloads, a fifth read every Secret of their namespace (one in ten of
those acknowledged with `allow`), one in fifty may exec into pods, one in
thirty has an `s3:*` statement, one in two hundred and fifty binds `*`.

--acknowledged: the same spec with every warning gone and nothing else
changed: each lint acknowledged with `allow` on the item it fires on, and
every created cluster reachable from the one before it. What `validate`
costs beyond it is the cost of reporting the warnings.
"""
import sys

args = [a for a in sys.argv[1:] if not a.startswith('--')]
dense = '--dense' in sys.argv[1:]
acknowledged = '--acknowledged' in sys.argv[1:]
workloads = int(args[0])
layout = args[1] if len(args) > 1 else ""
clusters = max(workloads // 100, 1)
out = ['version = 1', '', '[aws]', 'account_id = "111122223333"', 'region = "eu-west-2"', '',
       '[iam]', 'path = "/eksgrant/"', 'tags = { owner = "bench" }', '']
if layout:
    out += ['[terraform]', f'layout = "{layout}"', '']


def clean():
    for c in range(1, clusters + 1):
        out.extend([f'[clusters.c{c}]',
                    f'oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/{c:032X}"', ''])
    for w in range(workloads):
        c = w % clusters + 1
        nxt = c % clusters + 1
        key = f'w{w}'
        out.extend([f'[workloads.{key}]', f'cluster = "c{c}"', f'namespace = "ns{w // clusters}"'])
        if w % 10 == 9:
            out.append('identity = "irsa"')
        out.extend(['aws.presets = [{ name = "external-dns", hosted_zone_ids = ["Z0123456789ABCDEFGHIJ"] }]',
                    f'[[workloads.{key}.aws.statements]]', 'actions = ["s3:GetObject"]',
                    f'resources = ["arn:aws:s3:::bucket-{w}/*"]',
                    f'[[workloads.{key}.grants]]', f'cluster = "c{nxt}"', 'namespaces = ["jobs"]',
                    'rules = [{ api_groups = [""], resources = ["pods"], verbs = ["get", "list", "create"] }]', ''])
    for c in range(1, clusters + 1):
        for p in range(3):
            key = f'p{c}-{p}'
            out.extend([f'[principals.{key}]', f'arn = "arn:aws:iam::111122223333:role/team-{c}-{p}"',
                        f'[[principals.{key}.grants]]', f'cluster = "c{c}"'])
            out.extend([['access_policy = "AmazonEKSClusterAdminPolicy"',
                         # What edit carries, acknowledged: the clean spec has no warnings.
                         'cluster_role = "edit"\n'
                         'allow = ["secrets_read", "pod_exec", "pod_create_with_aws_identity", "rbac_escalation"]',
                         'access_policy = "AmazonEKSViewPolicy"'][p], ''])


def created(c):
    """Every tenth cluster is created by the spec, its endpoint private."""
    return clusters > 1 and c % 10 == 0


def dense_spec():
    for c in range(1, clusters + 1):
        out.append(f'[clusters.c{c}]')
        if created(c):
            out.extend(['create = true', 'kubernetes_version = "1.33"',
                        f'subnet_ids = ["subnet-{c:08x}a", "subnet-{c:08x}b"]'])
            if c % 20 == 0 or acknowledged:
                out.append(f'private_access_from_clusters = ["c{c - 1}"]')
        else:
            out.append(f'oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/{c:032X}"')
        out.append('')
    for w in range(workloads):
        c = w % clusters + 1
        nxt = c % clusters + 1
        team = (w // clusters) % 20
        key = f'w{w}'
        out.extend([f'[workloads.{key}]'])
        if w % 25 == 7 and clusters > 1:
            out.append(f'clusters = ["c{c}", "c{nxt}"]')
            if acknowledged and w % 4 == 3:
                out.append('allow = ["irsa_many_clusters"]')
        else:
            out.append(f'cluster = "c{c}"')
        out.append(f'namespace = "team-{team}"')
        out.append(f'service_account = "{key}"')
        if w % 4 == 3:
            out.append('identity = "irsa"')
        if w % 2 == 0:
            out.append('aws.presets = [{ name = "external-dns", hosted_zone_ids = ["Z0123456789ABCDEFGHIJ"] }]')
        action = '"s3:*"' if w % 30 == 11 else '"s3:GetObject", "s3:PutObject"'
        out.extend([f'[[workloads.{key}.aws.statements]]', f'actions = [{action}]',
                    f'resources = ["arn:aws:s3:::bucket-{w}/*"]'])
        if acknowledged and w % 30 == 11:
            out.append('allow = ["iam_wildcard"]')
        out.extend([
                    f'[[workloads.{key}.aws.statements]]', 'actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]',
                    f'resources = ["arn:aws:sqs:eu-west-2:111122223333:queue-{w}"]'])
        # Its own namespace: config, and for a fifth every Secret.
        own = ['"configmaps"', '"secrets"'] if w % 5 == 4 else ['"configmaps"']
        out.extend([f'[[workloads.{key}.grants]]', f'cluster = "c{c}"', f'namespaces = ["team-{team}"]',
                    f'rules = [{{ api_groups = [""], resources = [{", ".join(own)}], verbs = ["get", "list", "watch"] }}]'])
        if w % 50 == 4 or (acknowledged and w % 5 == 4):
            out.append('allow = ["secrets_read"]')
        # Jobs on the next cluster: a cross-cluster grant.
        rules = ['{ api_groups = [""], resources = ["pods"], verbs = ["get", "list", "create", "delete"] }']
        if w % 50 == 13:
            rules.append('{ api_groups = [""], resources = ["pods/exec"], verbs = ["create"] }')
        if w % 250 == 17:
            rules.append('{ api_groups = ["batch"], resources = ["*"], verbs = ["*"] }')
        out.extend([f'[[workloads.{key}.grants]]', f'cluster = "c{nxt}"', 'namespaces = ["jobs"]',
                    f'rules = [{", ".join(rules)}]'])
        if acknowledged and len(rules) > 1:
            out.append(f'allow = ["{"pod_exec" if w % 50 == 13 else "rbac_wildcard"}"]')
        # A team namespace of its cluster, read-only.
        out.extend([f'[[workloads.{key}.grants]]', f'cluster = "c{c}"', f'namespaces = ["team-{(team + 1) % 20}"]',
                    'rules = [{ api_groups = ["apps"], resources = ["deployments"], verbs = ["get", "list"] }]', ''])
    for c in range(1, clusters + 1):
        role = lambda name: f'arn = "arn:aws:iam::111122223333:role/{name}-{c}"'
        out.extend([f'[principals.admin-{c}]', role('admin'), f'[[principals.admin-{c}.grants]]',
                    f'cluster = "c{c}"', 'access_policy = "AmazonEKSClusterAdminPolicy"', '',
                    f'[principals.viewer-{c}]', role('viewer'), f'[[principals.viewer-{c}.grants]]',
                    f'cluster = "c{c}"', 'access_policy = "AmazonEKSViewPolicy"', '',
                    f'[principals.ci-{c}]', role('ci'), f'[[principals.ci-{c}.grants]]', f'cluster = "c{c}"',
                    f'namespaces = [{", ".join(f"{chr(34)}team-{(c + i) % 20}{chr(34)}" for i in range(4))}]',
                    'rules = [{ api_groups = ["apps"], resources = ["deployments"], verbs = ["get", "list", "patch"] }]',
                    'allow = ["pod_create_with_aws_identity"]' if acknowledged else '', '',
                    f'[principals.team-{c}]', role('team'), f'[[principals.team-{c}.grants]]', f'cluster = "c{c}"',
                    f'namespaces = ["team-{c % 20}", "team-{(c + 10) % 20}"]', 'cluster_role = "edit"',
                    'allow = ["secrets_read", "pod_exec", "pod_create_with_aws_identity", "rbac_escalation"]'
                    if acknowledged else '', ''])


dense_spec() if dense else clean()
print('\n'.join(out))
