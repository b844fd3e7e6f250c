"""Bayesian optimization with a Gaussian process, in numpy and scipy.

Modules: encoding (the space as rows), kernel (Matérn-5/2 over mixed inputs), model (MAP
fit and posterior), warp (the output transform), fitstate (warm starts from the stored
fit, the fit subset), acquisition (log-EI, UCB), optimize (acquisition maximization),
history (trials as observations and pending points), sampler (the glue). Several
objectives or constraints: columns (one GP per objective and constraint), ehvi (box
decomposition, log EHVI), scalarize (ParEGO), feasibility (log PoF), observations (the
trials as their columns), multi (their glue).
"""

from .sampler import GPSampler

__all__ = ["GPSampler"]
