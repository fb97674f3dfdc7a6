//! aauth-suite: the cases, the runner and the `aauth-conform` command line.
