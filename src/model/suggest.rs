//! "Did you mean" for names the user misspelled.

/// The candidate closest to `input`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                // Optimal string alignment: a swap of two neighbours is one
                // edit, since `lsit` for `list` is the typical typo.
                strsim::osa_distance(&input.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
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
