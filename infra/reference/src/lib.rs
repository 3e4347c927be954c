//! Nothing shared: the binaries in `src/bin/` are the references (see the package description).
