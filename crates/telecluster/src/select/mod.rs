//! Choosing parameters from the data: K for K-Means (elbow and silhouette), with the Kneedle
//! knee finder they share with the eps assistant ([`kdist`]) for DBSCAN.

pub mod elbow;
pub mod kdist;
pub mod kneedle;
pub mod silhouette;
