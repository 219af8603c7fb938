//! The one place where the library's parameters meet the command line's flags: every message
//! the library words with a parameter name reaches the user with the flag they typed, and every
//! error of a flag's value exits as a usage error.

use telecluster::{Error, Param};

/// The flag that sets `p`, or the library's name for what no flag sets.
pub fn flag(p: Param) -> &'static str {
    match p {
        Param::NClusters => "--k",
        Param::KMax => "--k-max",
        Param::NInit => "--n-init",
        Param::MaxIter => "--max-iter",
        Param::Tol => "--tol",
        Param::Eps => "--eps",
        Param::MinSamples => "--min-samples",
        Param::Method => "--method",
        Param::MaxMemory => "--max-memory",
        Param::Sample => "--sample",
        Param::Height => "--cut-distance",
        Param::Scaling => "--scale",
        Param::Log1p => "--log1p",
        Param::Features => "--features",
        Param::Delimiter => "--delimiter",
        Param::DropMissing => "--drop-missing",
        Param::Size => "--endpoints + --anomalies",
        Param::LogFormat => "--log-format",
        Param::JsonFields => "--json-fields",
        Param::ErrorStatuses => "--errors",
        Param::Window => "--window",
        Param::Query => "--query",
        Param::Url => "--url",
        Param::Time => "--time",
        Param::Range => "--range",
        Param::Step => "--step",
        Param::Timeout => "--timeout",
        other => other.name(),
    }
}

/// Whether the user sets `p` with a flag (so a bad value is a usage error).
fn is_flag(p: Param) -> bool {
    flag(p).starts_with("--")
}

/// The text of one error of the chain: the library's with flags for parameters.
pub fn word(cause: &(dyn std::error::Error + 'static)) -> String {
    match cause.downcast_ref::<Error>() {
        Some(e) => e.worded(&flag),
        None => cause.to_string(),
    }
}

/// Whether the error is a usage error (exit 2): a flag's value breaks the parameter's rule, or
/// a flag names a column the input does not have.
pub fn is_usage(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::InvalidParam { param, .. }) if is_flag(*param)
        ) || matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::UnknownColumn { .. } | Error::ConflictingRoles { .. })
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_parameters_reach_the_user_as_flags() {
        let e = anyhow::Error::new(Error::invalid(Param::NInit, 0, "must be >= 1"));
        assert_eq!(word(e.chain().next().unwrap()), "--n-init=0 must be >= 1");
        assert!(is_usage(&e));
        let e = anyhow::Error::new(Error::invalid(Param::NSamples, 0, "must be >= 1"));
        assert!(!is_usage(&e));
    }
}
