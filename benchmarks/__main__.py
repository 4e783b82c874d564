"""Run every benchmark: `make bench` (or `python -m benchmarks`). Each prints ratios, not absolute times."""

from benchmarks import bench_audit, bench_synergy, sla, vfm

if __name__ == "__main__":
    bench_synergy.main()
    bench_audit.main()
    vfm.main()
    sla.main(["--quick"])  # the full 288-million-row month: python -m benchmarks.sla
