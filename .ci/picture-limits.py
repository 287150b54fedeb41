#!/usr/bin/env python3
"""python3 .ci/picture-limits.py OUT_DIR

Writes the specs CLUSTER_LIMITS (src/explain/picture/mod.rs) was chosen
from: one cluster, N principals on M namespaces, two grants each (an access
policy and a ClusterRole, on namespaces spread so that arrows cross: a
harder case than most teams'), for N = 8, 12, 16, 20, 26. Draw them with .ci/render-pictures.sh
after raising the limits, and look.
"""
import pathlib
import sys

SIZES = [(8, 6), (12, 8), (16, 8), (20, 10), (26, 12)]


def spec(subjects: int, namespaces: int) -> str:
    lines = [
        "version = 1",
        "[aws]",
        'account_id = "111122223333"',
        'region = "eu-west-1"',
        "[clusters.c]",
        'authentication_mode = "API"',
    ]
    for i in range(subjects):
        key = f"p{i + 1:02d}"
        lines += [f"[principals.{key}]", f'arn = "arn:aws:iam::111122223333:role/{key}"']
        for j in range(2):
            namespace = f"ns{(i * 3 + j * 5) % namespaces + 1:02d}"
            lines += [f"[[principals.{key}.grants]]", 'cluster = "c"', f'namespaces = ["{namespace}"]']
            lines.append('access_policy = "AmazonEKSEditPolicy"' if (i + j) % 2 else 'cluster_role = "view"')
    return "\n".join(lines) + "\n"


out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for subjects, namespaces in SIZES:
    (out / f"subjects-{subjects}-namespaces-{namespaces}.toml").write_text(spec(subjects, namespaces))
