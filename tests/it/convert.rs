//! The legacy JSON converter (filled in with the converter).
