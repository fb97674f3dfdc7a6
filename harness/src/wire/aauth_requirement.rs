//! Placeholder (wire work item).
