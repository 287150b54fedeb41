//! IPv4 CIDR blocks, as the spec writes them.

use std::net::Ipv4Addr;

/// An IPv4 CIDR block such as `203.0.113.0/24`, with its prefix written
/// canonically (no sign, no leading zero), or `None` when it is not one.
pub(crate) fn ipv4_cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (address, prefix) = s.split_once('/')?;
    let address = address.parse::<Ipv4Addr>().ok()?;
    let canonical = !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && !(prefix.len() > 1 && prefix.starts_with('0'));
    let prefix = prefix
        .parse::<u8>()
        .ok()
        .filter(|p| canonical && *p <= 32)?;
    Some((address, prefix))
}

/// The prefix length of an IPv4 network block: a [`ipv4_cidr`] block with
/// no address bits set past its prefix, which is all EKS and EC2 accept.
pub(crate) fn ipv4_cidr_prefix(s: &str) -> Option<u8> {
    ipv4_cidr(s)
        .filter(|(address, prefix)| is_network_address(*address, *prefix))
        .map(|(_, prefix)| prefix)
}

/// Whether the block has no address bits set past its prefix
/// (`10.100.0.0/16`, not `10.100.0.1/16`).
pub(crate) fn is_network_address(address: Ipv4Addr, prefix: u8) -> bool {
    let host_bits = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    u32::from(address) & host_bits == 0
}

/// Whether the block lies within one of RFC 1918's private ranges.
pub(crate) fn is_private(address: Ipv4Addr, prefix: u8) -> bool {
    [
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
    ]
    .iter()
    .any(|(range, range_prefix)| {
        prefix >= *range_prefix
            && u32::from(address) >> (32 - range_prefix) == u32::from(*range) >> (32 - range_prefix)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_prefixes_are_canonical() {
        assert_eq!(ipv4_cidr_prefix("203.0.113.0/24"), Some(24));
        assert_eq!(ipv4_cidr_prefix("0.0.0.0/0"), Some(0));
        assert_eq!(ipv4_cidr_prefix("0.0.0.0/00"), None);
        assert_eq!(ipv4_cidr_prefix("0.0.0.0/+0"), None);
        assert_eq!(ipv4_cidr_prefix("10.0.0.0/33"), None);
        assert_eq!(ipv4_cidr_prefix("10.0.0.0"), None);
        assert_eq!(ipv4_cidr_prefix("10.0.0/8"), None);
        assert_eq!(ipv4_cidr_prefix("10.1.2.3/0"), None);
        assert_eq!(ipv4_cidr_prefix("10.1.2.3/32"), Some(32));
    }

    #[test]
    fn network_addresses_have_no_host_bits() {
        let block = |s: &str| ipv4_cidr(s).unwrap();
        let (a, p) = block("10.100.0.0/16");
        assert!(is_network_address(a, p));
        let (a, p) = block("10.100.0.1/16");
        assert!(!is_network_address(a, p));
        let (a, p) = block("0.0.0.0/0");
        assert!(is_network_address(a, p));
        let (a, p) = block("10.0.0.1/32");
        assert!(is_network_address(a, p));
    }

    #[test]
    fn private_blocks_are_inside_rfc_1918() {
        let private = |s: &str| {
            let (a, p) = ipv4_cidr(s).unwrap();
            is_private(a, p)
        };
        assert!(private("10.100.0.0/16"));
        assert!(private("172.20.0.0/16"));
        assert!(private("172.31.0.0/16"));
        assert!(private("192.168.0.0/24"));
        assert!(!private("172.32.0.0/16"));
        assert!(!private("192.169.0.0/16"));
        assert!(!private("8.0.0.0/12"));
        // A block wider than its range reaches outside it.
        assert!(!private("192.168.0.0/12"));
    }
}
