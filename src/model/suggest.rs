//! "Did you mean" for names the user misspelled.

/// The candidate closest to `input`, if it is close enough to be a typo.
pub(super) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                distance(&input.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Edit distance over characters, counting a swap of two neighbours as one
/// edit (optimal string alignment), since `lsit` for `list` is the typical
/// typo.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            closest("workloads", ["workload", "platform"]),
            Some("workload")
        );
        assert_eq!(
            closest("extrnal-dns", ["external-dns", "cert-manager"]),
            Some("external-dns")
        );
        assert_eq!(
            closest("AmazonEKSClusterAdmin", ["AmazonEKSClusterAdminPolicy"]),
            Some("AmazonEKSClusterAdminPolicy")
        );
        assert_eq!(closest("zzz", ["platform"]), None);
        assert_eq!(closest("lsit", ["get", "list", "watch"]), Some("list"));
    }
}
