#!/usr/bin/env bash
# Side-by-side: studybook's whole render against the R workflow
# (bench/r/pipeline.R) on the same files, alternately, at n = 609 (the
# twin cohort itself), 10,000 and 100,000 analysed patients, then studybook
# alone at 1,000,000. Median of RUNS wall times and the peak RSS of each
# (/usr/bin/time -v); R is skipped at a size once one run exceeds R_BOUND
# seconds. Writes bench/RESULTS.md.
#
#   bench/compare.sh            # RUNS=5 R_BOUND=600
#
# Needs a release build (cargo build --release) and Debian's r-base-core,
# r-cran-survival and r-cran-matchit.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
bound="${R_BOUND:-600}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/studybook-target}"
bin="$target/release/studybook"
work="${WORK:-$(mktemp -d)}"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v Rscript >/dev/null || { echo "install r-base-core r-cran-survival r-cran-matchit" >&2; exit 1; }

# A study folder per size: the default study's config and templates on that
# data, without the published manifest (R does no audit or verification),
# without [weighting], [robustness] and [output] (pipeline.R does none
# of them; the bootstrap has its own benchmark, bench/r/bootstrap.R and
# `cargo bench --bench stages -- bootstrap`; R writes no DOCX or TIFF) and
# without the competing-risk keys of the endpoints (pipeline.R does no
# competing-risk analysis; the competing event is censored instead). The multivariable-adjusted Cox models of the
# robustness table still run (no key turns them off): work R does not do.
study_for() { # $1 = data file, $2 = folder
  mkdir -p "$2"
  cp -r reports/tace-downstaging/templates "$2/" 2>/dev/null || true
  sed -e "s|^data = .*|data = \"$1\"|" -e '/^published = /d' -e '/^competing-/d' \
    -e 's/^censor-values = \["0"\]$/censor-values = ["0", "2"]/' \
    reports/tace-downstaging/study.toml |
    awk '/^\[/ { skip = ($0 == "[weighting]" || $0 == "[robustness]" || $0 == "[output]") } !skip' > "$2/study.toml"
}

# "seconds kilobytes" of one command.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > /dev/null 2> "$work/err.txt" || {
    echo "failed: $*" >&2; cat "$work/err.txt" >&2; exit 1; }
  cat "$work/time.txt"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

rows=()
readme=()
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
for n in 609 10000 100000; do
  if [ "$n" = 609 ]; then
    data="$PWD/data/tace-downstaging/cohort.csv"
  else
    data="$work/cohort-$n.csv"
    "$bin" simulate --n "$n" --out "$data" > /dev/null
  fi
  study_for "$data" "$work/study-$n"
  sb_t=(); sb_m=(); r_t=(); r_m=(); r_skipped=""
  for i in $(seq "$runs"); do
    read -r t m < <(measure "$bin" render "$work/study-$n/study.toml" --quiet --out "$work/out-sb-$n")
    sb_t+=("$t"); sb_m+=("$m")
    if [ -z "$r_skipped" ]; then
      read -r t m < <(measure timeout "$bound" Rscript bench/r/pipeline.R "$data" "$work/out-r-$n" || echo "$bound 0")
      if awk "BEGIN {exit !($t >= $bound)}"; then r_skipped="over ${bound} s"; else r_t+=("$t"); r_m+=("$m"); fi
    fi
    echo "n=$n run $i: studybook ${sb_t[-1]} s; R ${r_t[-1]:-skipped} s" >&2
  done
  sbt=$(printf '%s\n' "${sb_t[@]}" | median); sbm=$(printf '%s\n' "${sb_m[@]}" | median)
  if [ -n "$r_skipped" ] && [ ${#r_t[@]} -eq 0 ]; then
    rows+=("| $n | $sbt | $((sbm / 1024)) | $r_skipped | | |")
    readme+=("| $n | $sbt s, $((sbm / 1024)) MB | $r_skipped | |")
  else
    rt=$(printf '%s\n' "${r_t[@]}" | median); rm_=$(printf '%s\n' "${r_m[@]}" | median)
    ratio=$(awk "BEGIN {printf \"%.0f\", $rt / $sbt}")
    rows+=("| $n | $sbt | $((sbm / 1024)) | $rt | $((rm_ / 1024)) | ${ratio}x |")
    readme+=("| $n | $sbt s, $((sbm / 1024)) MB | $rt s, $((rm_ / 1024)) MB | ${ratio}x |")
  fi
done

# 1,000,000 analysed patients: studybook alone, per stage.
data="$work/cohort-1000000.csv"
"$bin" simulate --n 1000000 --out "$data" > /dev/null
study_for "$data" "$work/study-1000000"
read -r big_t big_m < <(measure "$bin" render "$work/study-1000000/study.toml" --quiet --out "$work/out-sb-1m")
stages=$("$bin" bench render --study "$work/study-1000000/study.toml")

{
  echo "# Benchmark: studybook against the R workflow"
  echo
  echo "Measured by \`bench/compare.sh\` (RUNS=$runs, R bound ${bound} s) on $(date -u +%Y-%m-%d),"
  echo "${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(uname -sm); studybook $("$bin" --version | awk '{print $2}') (release build),"
  echo "$(Rscript --version 2>&1 | head -1), survival $(Rscript -e 'cat(as.character(packageVersion("survival")))'),"
  echo "MatchIt $(Rscript -e 'cat(as.character(packageVersion("MatchIt")))')."
  echo
  echo "Both render the default study's analysis on the same file: Table 1 with tests before and after"
  echo "matching, the propensity model and 1:1 nearest-neighbour matching with a 0.1 SD caliper,"
  echo "Kaplan-Meier with landmark rates and log-rank tests for four endpoints, univariable and"
  echo "multivariable Cox models for OS and PFS, before and after matching, and KM figures. studybook"
  echo "also writes the Markdown and HTML manuscript, every figure, results.json and provenance."
  echo "n is the number of analysed patients (609 is the twin cohort itself; larger sizes resample it,"
  echo "\`studybook simulate --n N\`). Wall time is the median of the runs; memory is the peak RSS."
  echo
  echo "| n | studybook (s) | studybook (MB) | R (s) | R (MB) | R / studybook |"
  echo "|--:|--:|--:|--:|--:|--:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "At n = 1,000,000: studybook ${big_t} s wall, $((big_m / 1024)) MB peak RSS. By stage (\`studybook bench render\`):"
  echo
  echo '```'
  echo "$stages"
  echo '```'
  echo
  echo "The commands, for each size N (the data of N > 609 from \`studybook simulate --n N --out cohort-N.csv\`;"
  echo "the study folder is the default study's config on that file, without \`published\`,"
  echo "\`[weighting]\`, \`[robustness]\` and \`[output]\`):"
  echo
  echo '```'
  echo "/usr/bin/time -f '%e %M' studybook render study-N/study.toml --quiet --out out-sb-N"
  echo "/usr/bin/time -f '%e %M' timeout $bound Rscript bench/r/pipeline.R cohort-N.csv out-r-N"
  echo "studybook bench render --study study-1000000/study.toml"
  echo '```'
  echo
  echo "Debian's MatchIt 4.5.1 ignores the caliper (an integer \`abs\`, fixed upstream in 4.5.4): its"
  echo "timings stand, its matches do not (it pairs every SR patient), so the matched numbers of the"
  echo "two differ; the unmatched ones agree (KM rates, log-rank, Cox HRs, Table 1 tests)."
  # The hand-written reading of these figures against the goal.
  if [ -f bench/against-the-goal.md ]; then
    echo
    cat bench/against-the-goal.md
  fi
} > bench/RESULTS.md
cat bench/RESULTS.md

# The README's speed table is this run's, written here between its markers
# (never typed by hand; tests/architecture.rs checks the two agree).
{
  echo "Measured by \`bench/compare.sh\` on $(date -u +%Y-%m-%d): ${cpu:-unknown CPU}, $(nproc) cores,"
  echo "median of $runs run(s); details in [bench/RESULTS.md](bench/RESULTS.md)."
  echo
  echo "| analysed patients | studybook | R | R / studybook |"
  echo "| --: | --: | --: | --: |"
  printf '%s\n' "${readme[@]}"
  echo "| 1000000 | ${big_t} s, $((big_m / 1024)) MB | | |"
} > "$work/speed.md"
awk -v block="$work/speed.md" '
  /<!-- speed:begin/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
  /<!-- speed:end/ { skip = 0 }
  !skip' README.md > "$work/README.md" && mv "$work/README.md" README.md
