//! The Kubernetes versions EKS offers for new clusters, as of a dated
//! source: data/eks/kubernetes-versions.toml, from the EKS user guide's
//! release calendar and AWS's aws-samples calendar, both vendored beside it
//! and compared with it by a test.
//!
//! A version whose extended support had ended by the table's date is one
//! EKS no longer creates clusters on. A version newer than the table's
//! newest may have been released since (EKS adds about one every four
//! months), so up to two more are taken; beyond that, no release could
//! exist yet.

use std::sync::OnceLock;

use serde::Deserialize;

/// The data, compiled in.
const DATA: &str = include_str!("../../data/eks/kubernetes-versions.toml");

/// How many minor versions past the table's newest are taken as ones EKS
/// may have released since its date.
const NEWER_THAN_THE_TABLE: u32 = 2;

#[derive(Deserialize)]
struct Table {
    as_of: String,
    versions: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    version: String,
    end_of_extended_support: String,
}

/// The table, with each row's minor version parsed.
struct Offered {
    as_of: String,
    /// `(minor, end of extended support)`, in ascending order.
    minors: Vec<(u32, String)>,
}

fn offered() -> &'static Offered {
    static OFFERED: OnceLock<Offered> = OnceLock::new();
    OFFERED.get_or_init(|| {
        let table: Table =
            toml::from_str(DATA).expect("data/eks/kubernetes-versions.toml is valid");
        let mut minors: Vec<(u32, String)> = table
            .versions
            .into_iter()
            .map(|row| {
                let minor = row
                    .version
                    .strip_prefix("1.")
                    .and_then(|m| m.parse().ok())
                    .expect("versions are 1.MINOR");
                (minor, row.end_of_extended_support)
            })
            .collect();
        minors.sort();
        Offered {
            as_of: table.as_of,
            minors,
        }
    })
}

/// What EKS makes of Kubernetes `1.<minor>` for a new cluster.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// EKS offers it (or, just past the table's newest, may by now).
    Offered,
    /// Its extended support ended on `on` (`None`: before the table's
    /// oldest), so EKS creates no cluster on it.
    Retired { on: Option<String> },
    /// Newer than any release EKS could have made by now.
    Unreleased,
}

/// The verdict on `1.<minor>`.
pub(crate) fn verdict(minor: u32) -> Verdict {
    let table = offered();
    if let Some((_, end)) = table.minors.iter().find(|(m, _)| *m == minor) {
        return if *end <= table.as_of {
            Verdict::Retired {
                on: Some(end.clone()),
            }
        } else {
            Verdict::Offered
        };
    }
    match (table.minors.first(), table.minors.last()) {
        (Some((oldest, _)), _) if minor < *oldest => Verdict::Retired { on: None },
        (_, Some((newest, _))) if minor > newest + NEWER_THAN_THE_TABLE => Verdict::Unreleased,
        _ => Verdict::Offered,
    }
}

/// The versions EKS offers as of the table's date, oldest and newest
/// (`1.30`, `1.35`), and that date.
pub(crate) fn offered_range() -> (String, String, &'static str) {
    let table = offered();
    let live: Vec<u32> = table
        .minors
        .iter()
        .filter(|(_, end)| *end > table.as_of)
        .map(|(m, _)| *m)
        .collect();
    let (oldest, newest) = (
        live.first().copied().unwrap_or(0),
        live.last().copied().unwrap_or(0),
    );
    (format!("1.{oldest}"), format!("1.{newest}"), &table.as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Months as the sources write dates: "March 23, 2026" -> `2026-03-23`.
    fn iso(date: &str) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let (month_day, year) = date.trim().rsplit_once(", ").unwrap();
        let (month, day) = month_day.split_once(' ').unwrap();
        let month = MONTHS.iter().position(|m| *m == month).unwrap() + 1;
        format!("{year}-{month:02}-{:02}", day.parse::<u32>().unwrap())
    }

    /// `(version, end of extended support)` of the guide's calendar.
    fn guide() -> Vec<(String, String)> {
        let page = include_str!("../../data/eks/kubernetes-versions-calendar.adoc");
        let cells: Vec<&str> = page
            .lines()
            .filter_map(|line| line.strip_prefix('|'))
            .filter(|cell| *cell != "===")
            .collect();
        cells[5..]
            .chunks(5)
            .map(|row| (row[0].trim_matches('`').to_string(), iso(row[4])))
            .collect()
    }

    /// `(version, end of extended support)` of the aws-samples calendar.
    fn samples() -> Vec<(String, String)> {
        let page = include_str!("../../data/eks/eks-version-calendar-aws-samples.md");
        page.lines()
            .skip(2)
            .map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                (cells[1].to_string(), iso(cells[3]))
            })
            .collect()
    }

    #[test]
    fn the_table_is_its_sources_row_by_row() {
        let table: Table = toml::from_str(DATA).unwrap();
        let (guide, samples) = (guide(), samples());
        for row in &table.versions {
            let source = guide
                .iter()
                .chain(&samples)
                .find(|(version, _)| *version == row.version)
                .unwrap_or_else(|| panic!("{} is in no source", row.version));
            assert_eq!(source.1, row.end_of_extended_support, "{}", row.version);
        }
        // Where both sources have a version, they agree.
        for (version, end) in &samples {
            if let Some((_, other)) = guide.iter().find(|(v, _)| v == version) {
                assert_eq!(end, other, "{version}");
            }
        }
        // Every version of the sources is in the table.
        for (version, _) in guide.iter().chain(&samples) {
            assert!(
                table.versions.iter().any(|r| r.version == *version),
                "{version}"
            );
        }
        assert_eq!(table.as_of, "2026-04-24");
    }

    #[test]
    fn versions_eks_retired_or_never_made_are_told_apart() {
        assert_eq!(verdict(28), Verdict::Retired { on: None });
        assert_eq!(
            verdict(29),
            Verdict::Retired {
                on: Some("2026-03-23".into())
            }
        );
        assert_eq!(verdict(30), Verdict::Offered);
        assert_eq!(verdict(35), Verdict::Offered);
        assert_eq!(verdict(37), Verdict::Offered);
        assert_eq!(verdict(38), Verdict::Unreleased);
        assert_eq!(verdict(99), Verdict::Unreleased);
        assert_eq!(
            offered_range(),
            ("1.30".into(), "1.35".into(), "2026-04-24")
        );
    }
}
