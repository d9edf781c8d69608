# The R workflow studybook replaces, for the side-by-side benchmark
# (bench/compare.sh): the default study's analysis as a competent R user
# would write it with survival and MatchIt (Debian: r-base-core,
# r-cran-survival, r-cran-matchit).
#
#   Rscript bench/r/pipeline.R COHORT.csv OUT_DIR
#
# Table 1 tests before and after matching (chi-square, Wilcoxon), glm
# propensity score, MatchIt nearest 1:1 with a 0.1 SD caliper, Kaplan-Meier
# with landmark rates and log-rank tests for four endpoints before and after,
# univariable and multivariable Cox models for OS and PFS before and after
# (robust variance clustered on pairs after matching), two KM figures as
# SVG, and every number written to a CSV.
#
# Note: Debian's MatchIt 4.5.1 ignores the caliper (an integer `abs` bug,
# fixed upstream in 4.5.4), so its matches differ from studybook's; the
# timings stand, the matched numbers do not.

suppressPackageStartupMessages({
  library(survival)
  library(MatchIt)
})
args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]
out <- args[2]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
results <- list()
keep <- function(name, value) results[[length(results) + 1]] <<- data.frame(name = name, value = value)

# The patient flow and derived variables of study.toml (prepare.R, shared
# with bootstrap.R).
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "prepare.R"))
d <- prepare(csv)

categorical <- c("age_group", "bmi_group", "smoking", "drinking", "gender", "ecog",
                 "comorbidity", "hbv", "cirrhosis", "ascites", "ctp_score",
                 "hcc_number_before_g", "hcc_diameter_before_g", "hcc_number_after_g",
                 "hcc_diameter_after_g", "afp_group", "bclc", "ablation_modality")
continuous <- c("alb", "ast", "alt", "tbil", "pt", "inr", "plt", "crp", "cre", "neu", "ly",
                "tace_sessions", "interval_tace_local")

table1 <- function(x, tag) {
  for (v in categorical) {
    tab <- table(x[[v]], x$treatment)
    tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
    p <- if (nrow(tab) > 1 && ncol(tab) > 1) suppressWarnings(chisq.test(tab)$p.value) else NA
    keep(paste(tag, v, "p", sep = ":"), p)
  }
  for (v in continuous) {
    ok <- !is.na(x[[v]])
    p <- if (length(unique(x$treatment[ok])) > 1)
      suppressWarnings(wilcox.test(x[[v]] ~ x$treatment)$p.value) else NA
    keep(paste(tag, v, "p", sep = ":"), p)
  }
}

endpoints <- list(os = c("os_months", "os_event"), pfs = c("pfs_months", "pfs_event"),
                  epfs = c("epfs_months", "epfs_event"), pps = c("pps_months", "pps_event"))
factors <- c("age_group", "gender", "comorbidity", "hcc_number_after_g", "hcc_diameter_after_g",
             "albi_grade", "smoking", "drinking", "hbv", "bclc", "afp_group",
             "targeted_immunotherapy")

survival_part <- function(x, tag, cluster = NULL) {
  for (e in names(endpoints)) {
    f <- as.formula(sprintf("Surv(%s, %s) ~ treatment", endpoints[[e]][1], endpoints[[e]][2]))
    km <- survfit(f, data = x)
    s <- summary(km, times = c(12, 36, 60, 120), extend = TRUE)
    keep(paste(tag, e, "km", seq_along(s$surv), sep = ":"), s$surv)
    keep(paste(tag, e, "logrank", sep = ":"), survdiff(f, data = x)$pvalue)
    fit <- if (is.null(cluster)) coxph(f, data = x) else coxph(f, data = x, cluster = x[[cluster]])
    keep(paste(tag, e, "hr", sep = ":"), exp(coef(fit)))
  }
  for (e in c("os", "pfs")) {
    surv <- sprintf("Surv(%s, %s)", endpoints[[e]][1], endpoints[[e]][2])
    p <- c()
    for (v in c(factors, "treatment")) {
      f <- as.formula(paste(surv, "~", v))
      fit <- if (is.null(cluster)) coxph(f, data = x) else coxph(f, data = x, cluster = x[[cluster]])
      p[v] <- summary(fit)$coefficients[1, ncol(summary(fit)$coefficients)]
      keep(paste(tag, e, "uni", v, sep = ":"), exp(coef(fit))[1])
    }
    entered <- names(p)[!is.na(p) & p < 0.05]
    if (length(entered) > 0) {
      f <- as.formula(paste(surv, "~", paste(entered, collapse = " + ")))
      fit <- if (is.null(cluster)) coxph(f, data = x) else coxph(f, data = x, cluster = x[[cluster]])
      keep(paste(tag, e, "multi", names(coef(fit)), sep = ":"), exp(coef(fit)))
    }
  }
}

km_figure <- function(x, file, title) {
  svg(file, width = 10, height = 8)
  par(mfrow = c(2, 2))
  for (e in names(endpoints)) {
    f <- as.formula(sprintf("Surv(%s, %s) ~ treatment", endpoints[[e]][1], endpoints[[e]][2]))
    plot(survfit(f, data = x), col = c("black", "red"), mark.time = TRUE,
         xlab = "Months", ylab = "Survival", main = paste(title, e))
  }
  dev.off()
}

# Before matching.
table1(d, "unmatched")
survival_part(d, "unmatched")
km_figure(d, file.path(out, "km-unmatched.svg"), "Before matching:")

# Propensity score and matching (prepare.R's match_study).
m <- match_study(d)
md <- match.data(m)
keep("matched:n", nrow(md))

# After matching.
table1(md, "matched")
survival_part(md, "matched", cluster = "subclass")
km_figure(md, file.path(out, "km-matched.svg"), "After matching:")

write.csv(do.call(rbind, results), file.path(out, "results.csv"), row.names = FALSE)
