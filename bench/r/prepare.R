# The default study's patient flow, derived variables and propensity-score
# match as R code, shared by bench/r/pipeline.R and bench/r/bootstrap.R.

# The analysed cohort of the twin data file `csv`.
prepare <- function(csv) {
  d <- read.csv(csv, stringsAsFactors = FALSE, na.strings = c("", "NA"))

  # The patient flow ([[cohort.exclude]] of study.toml).
  d <- subset(d, !(age < 18 | age > 75))
  d <- subset(d, !(ecog >= 2))
  d <- subset(d, child_pugh == "A")
  d <- subset(d, prior_treatment != 1)
  d <- subset(d, other_malignancy != 1)
  d <- subset(d, tace_conversion != 0)
  d <- subset(d, other_conversion != 1)
  d <- subset(d, downstaging_success != 0)
  d <- subset(d, lost_to_followup != 1)
  d$treatment <- factor(d$treatment, levels = c("SR", "TA"))

  # Derived variables ([variables] of study.toml).
  d$age_group <- cut(d$age, c(-Inf, 65, Inf), labels = c("<=65", ">65"))
  d$bmi_group <- cut(d$bmi, c(-Inf, 18.3, 21.9, Inf), right = FALSE)
  d$gender <- factor(d$sex, levels = c("F", "M"))
  d$hcc_number_before_g <- cut(d$hcc_number_before, c(-Inf, 3, Inf))
  d$hcc_diameter_before_g <- cut(d$hcc_diameter_before, c(-Inf, 5, 10, Inf), right = FALSE)
  d$hcc_number_after_g <- cut(d$hcc_number_after, c(-Inf, 1, Inf))
  d$hcc_diameter_after_g <- cut(d$hcc_diameter_after, c(-Inf, 3, Inf), right = FALSE)
  d$afp_group <- cut(d$afp, c(-Inf, 400, Inf))
  d$albi <- 0.66 * log10(d$tbil) - 0.085 * d$alb
  d$albi_grade <- cut(d$albi, c(-Inf, -2.60, Inf))
  for (v in c("smoking", "drinking", "ecog", "comorbidity", "hbv", "cirrhosis", "ascites",
              "ctp_score", "bclc", "targeted_immunotherapy", "ablation_modality")) {
    d[[v]] <- factor(d[[v]])
  }
  d
}

# MatchIt's glm, nearest neighbour 1:1, caliper 0.1 SD of the score,
# largest score first, SR as the focal group, on the complete cases of d.
match_study <- function(d) {
  covariates <- c("age", "gender", "ecog", "comorbidity", "hbv", "bclc", "ascites",
                  "hcc_number_before_g", "hcc_diameter_before_g", "albi_grade", "afp_group",
                  "targeted_immunotherapy")
  d$sr <- as.integer(d$treatment == "SR")
  ps_formula <- as.formula(paste("sr ~", paste(covariates, collapse = " + ")))
  complete <- d[complete.cases(d[, covariates]), ]
  m <- matchit(ps_formula, data = complete, method = "nearest", distance = "glm",
               ratio = 1, caliper = 0.1, m.order = "largest")
  m
}
