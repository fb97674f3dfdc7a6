//! Placeholder (httpsig work item).
