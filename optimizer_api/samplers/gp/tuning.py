"""The GP sampler's measured settings: each with the measurement that chose it.

The sampler (sampler.py) reads them at call time, so a benchmark or a test can set one;
`prior_mean` is the rule that PRIOR_MEAN and PRIOR_MEAN_NOISE make.
"""

from __future__ import annotations

# Sobol points before the model: 10 ranks first on average over the 7 benchmark problems
# at 50 trials (1.29, against 2.29 for 20 and 2.43 for 5; benchmarks/results/
# gp_quality_n_initial.md): 5 starts the model on too little, 20 spends a fifth of the budget.
DEFAULT_N_INITIAL = 10
# The work of one suggest: count x (parameters + SUGGESTION_OVERHEAD) at most MAX_WORK.
# Each model suggestion costs about 0.1 s at 50 trials of history whatever the dimension,
# plus a fit that grows with it (0.8 s in 256-D): benchmarks/results/limits.md. The cap
# keeps one call within a few seconds: 46 points in 6-D, 28 in 20-D, 3 in 256-D (where
# count=100 used to run past the worker timeout).
MAX_WORK = 1024
SUGGESTION_OVERHEAD = 16
POWER_WARP = True  # Yeo-Johnson on the values (see warp.py)
# In a space with a categorical column, every 3rd trial is chosen by a model of the values
# only standardized. The power transform, fitted to values piling up at an incumbent,
# squashes every bad value under a bound (lambda down to -1.9); a category seen only
# through bad values then looks flat and worse than the incumbent even where its own
# optimum is better (mixed_shift: 10 of 20 seeds settled in a worse category, log EI -11
# at the better category's optimum under the transform, -2 without). Every 4th trial:
# 1 of 20 still stuck (seed 19 found the right category at trial 59 of 64); every 3rd:
# 0 of 20 (worst 1.5e-3, GPSampler's 1.9e-4). Not in numeric spaces, where the failure
# was not seen and the plain steps cost final precision (Branin median 6e-6 -> 3.5e-5,
# Rosenbrock-4 10 -> 20-37 at 64 trials; benchmarks/results/gp_tails.md).
PLAIN_EVERY = 3
# With pending points, in a space without categorical columns, the acquisition is
# maximized within BATCH_RADIUS (unit cube) of the best observed point: beyond it, it
# loses 1e3 x the excess squared (acquisition.leash). The pending points, believed
# exactly, shrink the uncertainty near the incumbent, and the acquisition's maximum then
# moves to what is merely unexplored: in batches of 4 on Hartmann-6, past trial 32, the
# 2nd, 3rd and 4th points of a batch lay a median 0.19, 0.64, 1.18 from the incumbent
# (the 1st 0.08; GPSampler's 0.10-0.13), often in a corner where the function is flat at
# its worst, so a batch refined the optimum about once (batch median regret 3.2x the
# sequential). Within 0.3, paired by seed against the code before: Hartmann-6 26/10/4,
# Levy-6 26/0/14 (40 seeds); Branin 14/0/6, Ackley-5 13/1/6, Rosenbrock-4 15/0/5,
# Styblinski-Tang-8 12/0/8, Hartmann-3 13/1/6 (20 seeds); against GPSampler Hartmann-6
# 28/8/4 and Levy-6 21/1/18 (before: 13/7/20, 16/0/24; with round 5's optimizer 32/6/2
# and 19/0/21). In 20-40-D (batches of 4, 200 trials, 5 seeds) 0.3 beat no radius and
# 0.3 sqrt(d / 6) on Styblinski-Tang-20, Rosenbrock-20 and Hartmann-6 in 40-D. Constant
# liars (min, mean), no conditioning, and EI averaged over joint samples of the pending
# values (GPSampler's qLogEI) did not help: benchmarks/results/gp_batch_40seeds.md. Not
# with a categorical column: mixed_shift needs the later points of a batch to try another
# category's optimum, away from the incumbent (with the numeric columns held near it:
# 7/0/13 against GPSampler, 14/0/6 without).
BATCH_RADIUS = 0.3
# The posterior's constant prior mean, on the model's scale (values warped, standardized
# and minimized): PRIOR_MEAN standard deviations worse than the values' mean (0), above
# the worst value seen (+1 to +2.3 on that scale). Far from every observation the mean
# returns to it, so an unexplored region promises to beat the incumbent only through its
# uncertainty, and the search stays where the data lead. At 0, late trials went to
# corners (levy60: 17% of coordinates on a bound after trial 110; GPSampler 3%). Chosen
# on seeds no setting had been chosen on (benchmarks/results/gp_prior_mean.md): 64
# trials, 9 suite and 3 noisy problems, seeds 100-119, paired against 1 (the value
# before): 4 won 165 / lost 70, 2 147 / 85; held-out problems, seeds 0-19
# (gp_prior_mean_heldout.md): 4 won 66 / 32. Probes without the noise rule below: 3
# against 1 153 / 77, 6 against 4 118 / 105 (a plateau from 4 on); a global step (prior
# mean 0) every 4th trial lost 82 / 148 against 4 alone (gp_tails.md, round 6). The
# hyperparameters are still fitted with mean 0.
PRIOR_MEAN = 4.0
# ... unless the fit calls much of what it sees noise: at a noise variance of
# PRIOR_MEAN_NOISE x the signal variance or more, the prior mean is the values' mean.
# Ackley-5, seed 101: all 10 Sobol points on the outer plateau, whose ripples the fit
# calls noise (0.3-0.37 x the signal from trial 34 on); at 4 every suggestion stayed by
# the best of them and the run ended at 19.9 (at 1: 5.4; with this rule: 8.3). Over 6
# seeds of 10 problems the noiseless fits never reached 0.2 (Michalewicz-5 at most 0.19);
# noisy Branin's did in 22%. Against 4 alone (the same two tables) the rule moved 8 of
# 340 runs by over 1%: 3 better (Ackley's seed 101, a noisy Branin and a narrow_lr
# seed), 5 worse (narrow_lr's seed 9: 1e-7 -> 0.025; two Michalewicz-5 and two noisy
# Branin seeds).
# Shrinking smoothly, 4 exp(-ratio / 0.05), lost 33 / 63 on the held-out problems.
PRIOR_MEAN_NOISE = 0.2


def prior_mean(signal: float, noise: float) -> float:
    """The posterior's prior mean for a fit of signal variance `signal` and noise variance
    `noise` (model.unpack's sf2 and sn2): see PRIOR_MEAN."""
    return PRIOR_MEAN if noise < PRIOR_MEAN_NOISE * signal else 0.0
