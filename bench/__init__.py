"""deptwatch's benchmarks: `make bench` (never part of `make test`). Each prints its figure beside its floor."""
