//! Naive reference implementations: the algorithms as the textbooks and scikit-learn write
//! them, slow and obviously right. The fast paths are tested against them (`fast_vs_naive.rs`).

#![allow(dead_code)]

pub mod dbscan;
pub mod linkage;
pub mod lloyd;
