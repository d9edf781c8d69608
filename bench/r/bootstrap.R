# The R workflow for issue 17's bootstrap benchmark: the matched hazard
# ratios of the default study's four endpoints, bootstrapped as MatchIt's
# "Estimating effects after matching" vignette does it, with boot
# (Debian: r-base-core, r-cran-survival, r-cran-matchit, r-cran-boot).
#
#   Rscript bench/r/bootstrap.R COHORT.csv pairs 999
#   Rscript bench/r/bootstrap.R COHORT.csv full 999
#
# pairs: resample matched pairs, refit coxph; full: resample patients,
# re-estimate the propensity model, match again and refit, per replicate.
# Prints the percentile intervals (boot.ci(type = "perc")).

suppressPackageStartupMessages({
  library(survival)
  library(MatchIt)
  library(boot)
})
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "prepare.R"))
d <- prepare(args[1])
kind <- args[2]
replicates <- as.integer(args[3])

endpoints <- list(os = c("os_months", "os_event"), pfs = c("pfs_months", "pfs_event"),
                  epfs = c("epfs_months", "epfs_event"), pps = c("pps_months", "pps_event"))
hazard_ratios <- function(md) {
  sapply(endpoints, function(e) {
    f <- as.formula(sprintf("Surv(%s, %s) ~ treatment", e[1], e[2]))
    exp(coef(coxph(f, data = md)))
  })
}

set.seed(1)
if (kind == "pairs") {
  md <- match.data(match_study(d))
  pairs <- split(seq_len(nrow(md)), md$subclass)
  b <- boot(seq_along(pairs), function(p, i) hazard_ratios(md[unlist(pairs[p[i]]), ]), R = replicates)
} else {
  b <- boot(d, function(x, i) hazard_ratios(match.data(match_study(x[i, ]))), R = replicates)
}
for (k in seq_along(endpoints)) {
  ci <- boot.ci(b, type = "perc", index = k)$percent[4:5]
  cat(names(endpoints)[k], ci, "\n")
}
