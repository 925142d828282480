# shellcheck shell=sh
# bench/common.sh - shell helpers the benchmark scripts share (sourced, not run)

# print a command, then run it
run() {
    echo "+ $*"
    "$@"
}

# print a command, then run it with its output dropped
quiet() {
    echo "+ $* >/dev/null"
    "$@" >/dev/null
}

# median of the numbers on stdin, one a line
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                        else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# the machine and its load, as the first line of a report
machine() {
    echo "== machine: $(uname -srm); $(nproc) CPUs;" \
        "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
}
