"""Independent reference for one EM step of a diagonal-covariance GMM (satool GMM-PCA baseline).

Written from the textbook EM equations with NumPy only (no sklearn):
  E-step: log r_ic = log pi_c + log N(x_i; mu_c, diag var_c) - logsumexp_c(...)
  M-step: N_c = sum_i r_ic, pi_c = N_c / n, mu_c = sum_i r_ic x_i / N_c,
          var_c = max(sum_i r_ic (x_i - mu_c)^2 / N_c, floor)
Prints the log-likelihood before the step, the new parameters and the log-likelihood after it.
"""
import numpy as np

x = np.array([[0.1, -0.2], [0.3, 0.0], [-0.1, 0.25], [1.9, 2.1], [2.2, 1.8], [1.0, 1.1]])
w = np.array([0.5, 0.5])
mu = np.array([[0.0, 0.0], [2.0, 2.0]])
var = np.array([[0.05, 0.08], [0.1, 0.02]])
floor = 1e-6


def log_comp(x, w, mu, var):
    # n x C matrix of log pi_c + log N(x_i | c)
    lp = -0.5 * (np.log(2 * np.pi * var).sum(1)[None, :]
                 + (((x[:, None, :] - mu[None, :, :]) ** 2) / var[None, :, :]).sum(2))
    return lp + np.log(w)[None, :]


def lse(a):
    m = a.max(1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(1, keepdims=True)))[:, 0]


lp = log_comp(x, w, mu, var)
ll0 = lse(lp).sum()
r = np.exp(lp - lse(lp)[:, None])
nk = r.sum(0)
w1 = nk / nk.sum()
mu1 = (r.T @ x) / nk[:, None]
var1 = np.maximum(np.stack([(r[:, c:c + 1] * (x - mu1[c]) ** 2).sum(0) / nk[c] for c in range(2)]), floor)
ll1 = lse(log_comp(x, w1, mu1, var1)).sum()
np.set_printoptions(precision=17)
print("ll0", repr(ll0))
print("resp", r.tolist())
print("w1", w1.tolist())
print("mu1", mu1.tolist())
print("var1", var1.tolist())
print("ll1", repr(ll1))
