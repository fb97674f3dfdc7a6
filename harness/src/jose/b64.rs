//! Placeholder (jose work item).
