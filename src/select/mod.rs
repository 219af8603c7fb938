//! Choosing parameters from the data: K for K-Means (elbow and silhouette), with the Kneedle
//! knee finder they share with the eps assistant.

pub mod elbow;
pub mod kneedle;
pub mod silhouette;
