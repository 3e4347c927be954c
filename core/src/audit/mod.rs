//! The audit sink (being written).
