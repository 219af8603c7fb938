//! The phrases every renderer uses for the analysis' typed choices, so the HTML report and the
//! command line's text say the same thing.

use crate::analysis::{EpsChosenBy, KChosenBy};
use crate::explain::anomaly::Reason;
use crate::select::elbow::Choice;

/// How k was chosen, as a phrase: `every criterion agrees`.
pub fn k_chosen_by(c: KChosenBy) -> &'static str {
    match c {
        KChosenBy::Given => "given",
        KChosenBy::Elbow(Choice::Agree) => "knee, silhouette, Calinski-Harabasz and Davies-Bouldin agree",
        KChosenBy::Elbow(Choice::Majority) => "most criteria (knee, silhouette, Calinski-Harabasz, Davies-Bouldin)",
        KChosenBy::Elbow(Choice::Tie) => "a tie between criteria, broken by Calinski-Harabasz or the silhouette",
        KChosenBy::Elbow(Choice::Default) => "default (too few k to compare)",
    }
}

/// The criteria's votes as a phrase: `knee k=3, silhouette k=4, ...`.
pub fn k_votes(votes: &[crate::select::elbow::Vote]) -> String {
    votes
        .iter()
        .map(|v| format!("{} k={}", v.criterion, v.k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How eps was chosen, as a phrase: `k-distance knee`.
pub fn eps_chosen_by(c: EpsChosenBy) -> &'static str {
    match c {
        EpsChosenBy::Given => "given",
        EpsChosenBy::KDistanceKnee => "k-distance knee",
        EpsChosenBy::KDistanceMedian => "k-distance median (the curve has no knee)",
        EpsChosenBy::DuplicatesOnly => {
            "half the smallest gap between distinct rows (every k-distance is 0: rows sit on exact duplicates)"
        }
    }
}

/// An anomaly's reasons on one line, strongest first, separated by `; `.
pub fn reasons(rs: &[Reason]) -> String {
    rs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
