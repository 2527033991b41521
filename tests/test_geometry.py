"""Tests of the geometry modules (nets, sampling, covering, packing, clustering, kron_clusters,
plateau), :mod:`tensorkv_check.engine.distances` and :mod:`tensorkv_check.geometry.plots`.

Paper items (arXiv 2503.11108; spec /work/shared/spec/paper-math.md):

* thm:covering: :func:`greedy_net` is a δ-net whose centres are δ-separated, and is the
  exact sequential greedy (checked against a per-point loop written here, also through
  the k-d tree path); the volumetric bounds of :func:`covering_bounds` agree with facts
  computed independently here (exact covering numbers of the circle and the interval,
  the cap measure against Monte Carlo, the exponent d − 1 of the sphere), and the
  sampled estimate never exceeds the packing bound;
* lem:near-orthogonal: :func:`near_orthogonal_packing` never beats known optima
  (kissing numbers 6, 12, 24; line packings in R^2, R^3, R^4; the Tammes value 12 for
  angle arccos(1/√5)), while reaching at least half of them;
* thm:subgen clusterability: the bracket of :func:`cluster_bracket` contains the exact
  minimum, which agrees with two independent computations (set partitions for n <= 8,
  a set-cover ILP over maximal cliques for n <= 24) and with known chromatic numbers
  (Grötzsch, Chvátal, Petersen graphs, odd cycles) embedded as point sets;
* lem:kron-clusterable: measured product-cluster diameters never exceed the lemma's
  bound on random clustered inputs;
* the plots are deterministic SVG, bad input is rejected naming the parameter, and
  the doctests of both modules run.

Known values and their sources: kissing numbers tau_2 = 6, tau_3 = 12 (Schütte and van
der Waerden 1953), tau_4 = 24 (Musin 2008); a set of L lines with pairwise
|cos| <= 1/2 gives 2L vectors with pairwise <u,v> <= 1/2, so L <= tau/2; optimal line
packings in R^3 (Conway, Hardin, Sloane 1996): 5 lines have minimal angle at most
63.43° (cos 1/√5 > 1/3), 7 lines at most 54.74° (cos 1/√3 > 1/√5); Tammes problem:
13 points on S^2 have minimal angle at most 57.14° < arccos(1/√5) = 63.43°.
"""

from __future__ import annotations

import doctest
import importlib
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize as sopt
from scipy import stats as sst
from scipy.spatial import cKDTree

import tensorkv_check.geometry.covering as geo_covering
import tensorkv_check.geometry.nets as geo_nets
import tensorkv_check.geometry.plots as geo_plots
from tensorkv_check.engine import distances
from tensorkv_check.geometry import (
    EXACT_CLUSTER_LIMIT,
    KISSING_NUMBERS,
    cluster_bracket,
    cluster_plateau,
    covering_bounds,
    covering_number_estimate,
    greedy_net,
    kron_cluster_bracket,
    kron_tightness_search,
    near_orthogonal_packing,
    packing_growth,
    sample_ball,
    sample_sphere,
    separated_set,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2**32 - 1)
REL = 1e-12  # distances equal to a threshold within this relative band may go either way


# ------------------------------------------------------------------ references
def naive_greedy(X: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Sequential greedy, one point at a time: (centres, squared distance to own centre)."""
    centres: list[int] = []
    dist2 = np.zeros(len(X))
    for i, x in enumerate(X):
        if centres:
            diff = X[centres] - x
            d2 = (diff * diff).sum(axis=-1)
            if d2.min() <= r * r:
                dist2[i] = d2.min()
                continue
        centres.append(i)
    return np.asarray(centres, dtype=int), dist2


def check_net(X: np.ndarray, net, delta: float) -> None:
    """Every point within delta of its centre; centres pairwise > delta; consistent labels."""
    idx, lab = net.indices, net.assignment
    assert np.all(np.diff(idx) > 0)
    assert lab.shape == (len(X),) and lab.min() >= 0 and lab.max() < idx.size
    np.testing.assert_array_equal(lab[idx], np.arange(idx.size))
    dist = np.sqrt(((X - X[idx[lab]]) ** 2).sum(axis=1))
    assert dist.max() <= delta * (1 + REL)
    if idx.size > 1:
        close = cKDTree(X[idx]).query_pairs(delta * (1 - REL))
        assert not close, f"centres closer than delta: {sorted(close)[:3]}"


def diameter(P: np.ndarray) -> float:
    if len(P) < 2:
        return 0.0
    return float(np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1).max()))


def check_clustering(X: np.ndarray, labels: np.ndarray, delta: float) -> int:
    """Assert every cluster has diameter <= delta; return the number of clusters."""
    labels = np.asarray(labels)
    for c in np.unique(labels):
        assert diameter(X[labels == c]) <= delta * (1 + REL)
    return int(np.unique(labels).size)


def partitions_min(X: np.ndarray, delta: float) -> int:
    """Minimum number of clusters of diameter <= delta, by searching set partitions."""
    n = len(X)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    ok = D <= delta
    best = [n]

    def place(i: int, blocks: list[list[int]]) -> None:
        if len(blocks) >= best[0]:
            return
        if i == n:
            best[0] = len(blocks)
            return
        for b in blocks:
            if all(ok[i, j] for j in b):
                b.append(i)
                place(i + 1, blocks)
                b.pop()
        blocks.append([i])
        place(i + 1, blocks)
        blocks.pop()

    place(0, [])
    return best[0]


def set_cover_min(X: np.ndarray, delta: float) -> int:
    """Minimum clique cover of the within-delta graph: set-cover ILP over maximal cliques."""
    n = len(X)
    D2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    W = nx.Graph()
    W.add_nodes_from(range(n))
    W.add_edges_from((i, j) for i in range(n) for j in range(i + 1, n) if D2[i, j] <= delta**2)
    cliques = list(nx.find_cliques(W))
    A = np.zeros((n, len(cliques)))
    for k, c in enumerate(cliques):
        A[c, k] = 1
    res = sopt.milp(
        np.ones(len(cliques)),
        constraints=sopt.LinearConstraint(A, lb=1),
        integrality=np.ones(len(cliques)),
        bounds=sopt.Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert res.status == 0
    return int(round(res.fun))


def embed_within_graph(W: nx.Graph) -> tuple[np.ndarray, float]:
    """Points whose "distance <= delta" graph is exactly ``W`` (Gram matrix a I + e A)."""
    n = W.number_of_nodes()
    A = nx.to_numpy_array(W, nodelist=sorted(W.nodes))
    e = 0.2
    a = 1.0 + e * max(0.0, -np.linalg.eigvalsh(A).min())
    w, V = np.linalg.eigh(a * np.eye(n) + e * A)
    X = V * np.sqrt(np.clip(w, 0.0, None))
    delta = math.sqrt(2 * a - e)  # edges at distance^2 2a - 2e, non-edges at 2a
    D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    within = D2 <= delta**2
    np.fill_diagonal(within, False)
    assert (within == A.astype(bool)).all()
    return X, delta


points_strategy = st.builds(
    lambda seed, n, d, grid: np.round(np.random.default_rng(seed).standard_normal((n, d)), 1 if grid else 6),
    SEEDS,
    st.integers(1, 250),
    st.integers(1, 5),
    st.booleans(),
)


# ------------------------------------------------------------------ greedy nets
#: radii that tie exactly with distances of points on the 0.1 grid (ties are the hard case)
DELTAS = st.one_of(st.floats(0.05, 4.0), st.sampled_from([0.1, 0.3, 0.5, 1.0, 2.0]))


@FAST
@given(points_strategy, DELTAS, st.integers(1, 300))
def test_greedy_net_is_the_sequential_greedy_net(X, delta, block):
    net = greedy_net(X, delta, block=block)
    check_net(X, net, delta)
    centres, dist2 = naive_greedy(X, delta)
    np.testing.assert_array_equal(net.indices, centres)
    # each point joins the nearest centre that existed when it arrived (ties aside)
    got = ((X - X[net.indices[net.assignment]]) ** 2).sum(axis=1)
    np.testing.assert_allclose(got, dist2, rtol=1e-9, atol=1e-12)


def test_greedy_net_tree_path_matches_the_loop(monkeypatch):
    """Force the k-d tree path (normally chosen only when measured cheaper)."""
    monkeypatch.setattr(geo_nets._CentreIndex, "_PENDING", 8)
    monkeypatch.setattr(geo_nets._CentreIndex, "_PROBE_SECONDS", 0.0)
    monkeypatch.setattr(geo_nets._CentreIndex, "_MIN_TIMED_PAIRS", 1)
    used = []
    original = geo_nets._CentreIndex._tree_query

    def spy(self, *args):
        used.append(len(self.trees))
        return original(self, *args)

    monkeypatch.setattr(geo_nets._CentreIndex, "_tree_query", spy)
    rng = np.random.default_rng(7)
    for n, d, delta, grid in [(1500, 2, 0.1, False), (1200, 3, 0.3, True), (900, 5, 0.8, False)]:
        X = rng.standard_normal((n, d))
        if grid:
            X = np.round(X, 1)
        net = greedy_net(X, delta, block=64)
        check_net(X, net, delta)
        centres, dist2 = naive_greedy(X, delta)
        np.testing.assert_array_equal(net.indices, centres)
        got = ((X - X[net.indices[net.assignment]]) ** 2).sum(axis=1)
        np.testing.assert_allclose(got, dist2, rtol=1e-9, atol=1e-12)
    assert used and max(used) >= 2  # queried through several trees


def test_greedy_net_large_sphere_sample():
    X = sample_sphere(20_000, 8, np.random.default_rng(3))
    net = greedy_net(X, 0.6)
    check_net(X, net, 0.6)
    assert net.size <= covering_bounds(8, 0.6).upper_shell


def test_greedy_net_edge_cases():
    one = greedy_net([[1.0, 2.0]], 0.1)
    assert one.indices.tolist() == [0] and one.assignment.tolist() == [0]
    same = greedy_net(np.zeros((50, 3)), 1e-9)
    assert same.size == 1 and (same.assignment == 0).all()
    with pytest.raises(ValueError):
        one.indices[0] = 5  # results are read-only


def test_separated_set_is_maximal_and_separated():
    X = sample_ball(3000, 3, np.random.default_rng(0))
    idx = separated_set(X, 0.4)
    assert not cKDTree(X[idx]).query_pairs(0.4 * (1 - REL))
    dist, _ = cKDTree(X[idx]).query(X)
    assert dist.max() <= 0.4 * (1 + REL)  # maximal: nothing can be added


@pytest.mark.parametrize("d,r", [(1, 1.0), (3, 2.0), (8, 0.5)])
def test_sampling_is_uniform(d, r):
    rng = np.random.default_rng(d)
    B = sample_ball(20_000, d, rng, r=r)
    # uniform in the ball <=> (|x|/r)^d ~ U(0, 1) with a uniform direction
    assert sst.kstest((np.linalg.norm(B, axis=1) / r) ** d, "uniform").pvalue > 1e-4
    S = sample_sphere(20_000, d, rng, r=r)
    np.testing.assert_allclose(np.linalg.norm(S, axis=1), r, rtol=1e-12)
    assert np.abs(S.mean(axis=0)).max() < 5 * r / math.sqrt(20_000)


# ------------------------------------------------------------------ covering numbers
def exact_circle_cover(delta: float) -> int:
    """N(S^1, delta) with chordal distance: arcs of angular radius 2 asin(delta/2)."""
    return math.ceil(math.pi / (2 * math.asin(delta / 2)))


@pytest.mark.parametrize("delta", [0.05, 0.1, 0.3, 0.5, 1.0, 1.5])
def test_circle_bounds_against_exact_values(delta):
    b = covering_bounds(2, delta)
    theta = 2 * math.asin(delta / 2)
    n_exact = exact_circle_cover(delta)
    m_exact = math.ceil(2 * math.pi / theta) - 1  # points pairwise more than theta apart
    assert b.lower <= n_exact <= m_exact <= b.upper_shell <= b.upper
    assert b.lower == pytest.approx(math.pi / theta, rel=1e-12)
    assert not b.volumetric_lower_is_theorem


def test_sphere_exponent_is_d_minus_1():
    # (1/delta)^d is not a lower bound for the sphere: on the circle it overshoots
    b = covering_bounds(2, 0.05)
    assert b.volumetric_lower == pytest.approx(400.0)
    assert exact_circle_cover(0.05) == 63 < b.volumetric_lower
    # the rigorous bound scales like delta^-(d-1): halving delta multiplies it by ~2^(d-1)
    for d in (3, 5, 8):
        ratio = covering_bounds(d, 0.005).lower / covering_bounds(d, 0.01).lower
        assert ratio == pytest.approx(2.0 ** (d - 1), rel=0.01)


def test_interval_and_ball_bounds():
    for delta in (0.07, 0.3, 0.5, 2.0):
        b = covering_bounds(1, delta, r=1.0, sphere=False)
        n_exact = math.ceil(1.0 / delta)  # [-1, 1] by intervals of length 2 delta
        assert b.lower <= n_exact <= b.upper
        assert b.volumetric_lower_is_theorem and b.lower == b.volumetric_lower
    b = covering_bounds(3, 0.5, r=2.0, sphere=False)
    assert b.lower == pytest.approx(64.0) and b.upper == pytest.approx(9.0**3)
    assert covering_bounds(1, 1.0).lower == 2.0 and covering_bounds(1, 3.0).lower == 1.0
    assert covering_bounds(5, 2.5).lower == 1.0  # one centre covers the unit sphere


@pytest.mark.parametrize("d,theta", [(3, 0.4), (4, 1.0), (6, 2.0), (10, 0.9)])
def test_cap_measure_against_monte_carlo(d, theta):
    X = sample_sphere(200_000, d, np.random.default_rng(d))
    hits = int(np.count_nonzero(X[:, 0] >= math.cos(theta)))
    ci = sst.binomtest(hits, len(X)).proportion_ci(0.999, method="exact")
    sigma = geo_covering._cap_fraction(d, theta)
    assert ci.low <= sigma <= ci.high
    if d == 3:
        assert sigma == pytest.approx((1 - math.cos(theta)) / 2, rel=1e-12)


def test_covering_estimate_on_the_circle():
    est = covering_number_estimate(2, 0.3, n_samples=5000, rng=np.random.default_rng(0))
    n_exact = exact_circle_cover(0.3)
    assert est.certified_lower <= n_exact  # rigorous
    assert est.estimate <= est.bounds.upper_shell  # rigorous (delta-separated)
    assert n_exact <= est.estimate  # dense sample: the net covers the circle
    assert est.vs_upper == "below" and est.vs_lower == "above"
    assert est.holdout.successes == est.holdout.trials
    assert est.to_dict()["bounds"]["d"] == 2


@pytest.mark.parametrize("d,delta,sphere", [(3, 0.5, True), (4, 0.8, False), (6, 1.0, True)])
def test_covering_estimate_respects_rigorous_bounds(d, delta, sphere):
    est = covering_number_estimate(
        d, delta, sphere=sphere, n_samples=4000, n_holdout=500, rng=np.random.default_rng(d)
    )
    assert est.certified_lower <= est.estimate <= est.bounds.upper
    assert est.vs_upper == "below"
    assert est.holdout_max_distance > 0
    assert est.vs_volumetric_lower in ("above", "below", "equal")


# ------------------------------------------------------------------ packings
#: (d, eps, two_sided, known optimum)
KNOWN_CODES = [
    (2, 0.5, False, 6),  # kissing number tau_2
    (3, 0.5, False, 12),  # tau_3
    (4, 0.5, False, 24),  # tau_4
    (2, 0.5, True, 3),  # tau_2 / 2 lines
    (3, 0.5, True, 6),  # tau_3 / 2 lines
    (4, 0.5, True, 12),  # tau_4 / 2 lines
    (3, 1 / math.sqrt(5), True, 6),  # 6 icosahedral lines; 7 lines need cos >= 1/sqrt(3)
    (3, 1 / math.sqrt(5), False, 12),  # Tammes: 12 icosahedron vertices, 13 impossible
    (3, 1 / 3, True, 4),  # 4 cube diagonals; 5 lines need cos >= 1/sqrt(5)
]


@pytest.mark.parametrize("d,eps,two_sided,optimum", KNOWN_CODES)
def test_packing_never_beats_known_optima(d, eps, two_sided, optimum):
    sizes = []
    for seed in range(4):
        p = near_orthogonal_packing(
            d, eps, np.random.default_rng(seed), two_sided=two_sided, n_candidates=3000, restarts=2
        )
        V = p.vectors
        np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, rtol=1e-12)
        G = V @ V.T
        off = G[~np.eye(len(V), dtype=bool)]
        assert (np.abs(off) if two_sided else off).max(initial=-1) <= eps
        assert p.size <= optimum
        sizes.append(p.size)
    # optimal codes here need equalities that random candidates hit with probability 0
    assert max(sizes) >= optimum / 2


def test_packing_kissing_in_dimension_8():
    p = near_orthogonal_packing(
        8, 0.5, np.random.default_rng(0), two_sided=False, n_candidates=4000, restarts=1
    )
    assert KISSING_NUMBERS[8] == 240 and 20 <= p.size <= 240


def test_packing_grows_exponentially():
    g = packing_growth(range(2, 8), 0.5, np.random.default_rng(0), n_candidates=3000, restarts=1)
    assert list(g.sizes) == sorted(g.sizes) and g.sizes[-1] > 3 * g.sizes[0]
    assert g.c > 0.2
    assert all(s >= lem for s, lem in zip(g.sizes, g.lemma_sizes))


def test_packing_max_size_and_restarts():
    p = near_orthogonal_packing(6, 0.3, np.random.default_rng(0), max_size=5, restarts=4)
    assert p.size == 5 and len(p.restart_sizes) == 4 and max(p.restart_sizes) == 5


# ------------------------------------------------------------------ clusterability
small_instances = st.builds(
    lambda seed, n, d, q: (np.random.default_rng(seed).standard_normal((n, d)), q),
    SEEDS,
    st.integers(1, 8),
    st.integers(1, 3),
    st.floats(0.05, 0.95),
)


def _delta_from_quantile(X: np.ndarray, q: float) -> float:
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    off = D[np.triu_indices(len(X), 1)]
    return float(np.quantile(off, q)) * (1 + 1e-9) + 1e-9 if off.size else 1.0


@FAST
@given(small_instances)
def test_exact_clusters_match_set_partitions(inst):
    X, q = inst
    delta = _delta_from_quantile(X, q)
    b = cluster_bracket(X, delta)
    assert b.exact == partitions_min(X, delta)
    assert b.lower <= b.exact <= b.upper
    assert check_clustering(X, b.exact_labels, delta) == b.exact
    assert check_clustering(X, b.labels, delta) == b.upper


medium_instances = st.builds(
    lambda seed, n, d, q, grid: (
        np.round(np.random.default_rng(seed).standard_normal((n, d)), 1 if grid else 8),
        q,
    ),
    SEEDS,
    st.integers(9, 24),
    st.integers(1, 6),
    st.floats(0.05, 0.95),
    st.booleans(),
)


@settings(max_examples=30, deadline=None)
@given(medium_instances)
def test_bracket_contains_exact_and_exact_matches_set_cover(inst):
    X, q = inst
    delta = _delta_from_quantile(X, q)
    b = cluster_bracket(X, delta)
    assert b.lower <= b.exact <= b.upper
    assert b.exact == set_cover_min(X, delta)
    assert check_clustering(X, b.exact_labels, delta) == b.exact
    assert check_clustering(X, b.labels, delta) == b.upper
    sep = X[b.separated]
    assert not cKDTree(sep).query_pairs(delta * (1 - REL))  # lower is a separated set


@pytest.mark.parametrize(
    "name,H,chi",
    [
        ("Groetzsch", nx.mycielski_graph(4), 4),  # triangle-free, chromatic number 4
        ("Chvatal", nx.chvatal_graph(), 4),
        ("Petersen", nx.petersen_graph(), 3),
        ("C7", nx.cycle_graph(7), 3),
        ("K6", nx.complete_graph(6), 6),
    ],
)
def test_exact_clusters_on_known_chromatic_numbers(name, H, chi):
    """Clusters = colour classes of the "distance > delta" graph H."""
    X, delta = embed_within_graph(nx.complement(H))
    b = cluster_bracket(X, delta)
    assert b.exact == chi, name
    assert b.lower <= chi <= b.upper


@pytest.mark.parametrize("k", [1, 2, 4, 5, 7, 9, 11, 14, 19])
def test_exact_clusters_of_points_on_a_circle(k):
    """60 equally spaced points, clusters = arcs of at most k steps: ceil(60/(k+1)).

    For k < n/3 three points pairwise within k steps cannot wrap around the circle, so
    every clique of the within-delta graph lies in an arc of k + 1 consecutive points.
    """
    n = 60
    ang = 2 * np.pi * np.arange(n) / n
    X = np.c_[np.cos(ang), np.sin(ang)]
    delta = 2 * math.sin(math.pi * k / n) * (1 + 1e-9)
    b = cluster_bracket(X, delta)
    assert b.exact == -(-n // (k + 1))
    assert b.lower <= b.exact <= b.upper


def test_branch_and_bound_from_a_trivial_colouring(monkeypatch):
    """Start the exact search from n clusters: it must still reach the minimum."""
    monkeypatch.setattr(nx.coloring, "greedy_color", lambda G, strategy=None: {v: v for v in G})
    rng = np.random.default_rng(11)
    for n, p in [(18, 0.3), (22, 0.5), (26, 0.7), (24, 0.5)]:
        W = nx.gnp_random_graph(n, p, seed=int(rng.integers(1 << 30)))
        X, delta = embed_within_graph(W)
        b = cluster_bracket(X, delta)
        assert b.exact == set_cover_min(X, delta)
        assert check_clustering(X, b.exact_labels, delta) == b.exact
    ang = 2 * np.pi * np.arange(60) / 60
    circle = np.c_[np.cos(ang), np.sin(ang)]
    for k in (5, 9, 11):  # k + 1 divides 60: the clique bound n / omega(W) is exact
        b = cluster_bracket(circle, 2 * math.sin(math.pi * k / 60) * (1 + 1e-9))
        assert b.exact == 60 // (k + 1)


@pytest.mark.parametrize(
    "g6,chi", [(rb"IGo\dHCCG", 5), (rb"HhF^TDY", 3), (rb"Q\~~]|}xjPfVr]lh}j]~v}Fw|lg", 3)]
)
def test_exact_closes_the_gap_left_by_the_greedy_colouring(g6, chi):
    """Found by a random search over G(n, p): networkx's DSatur colouring of H uses
    chi + 1 colours (networkx 3.x) while chi = n / omega(W) is tight; the exact
    search must still return chi (a lower bound that is one too high would stop it
    at chi + 1)."""
    W = nx.from_graph6_bytes(g6)
    X, delta = embed_within_graph(W)
    assert set_cover_min(X, delta) == chi
    b = cluster_bracket(X, delta)
    assert b.exact == chi and b.lower <= chi <= b.upper


def test_exact_limit():
    X = np.random.default_rng(0).standard_normal((EXACT_CLUSTER_LIMIT + 1, 2))
    with pytest.raises(ValueError, match="EXACT_CLUSTER_LIMIT = 60"):
        cluster_bracket(X, 0.5, exact=True)
    b = cluster_bracket(X, 0.5)
    assert b.exact is None and b.lower <= b.upper and b.best == b.upper
    b60 = cluster_bracket(X[:60], 0.5)
    assert b60.exact is not None and b60.lower <= b60.exact <= b60.upper
    assert cluster_bracket(X[:10], 0.5, exact=False).exact is None


def test_exact_on_an_adversarial_random_graph():
    """A G(40, 1/2) within-delta graph: bounds differ, branch and bound decides."""
    rng = np.random.default_rng(0)
    W = nx.gnp_random_graph(40, 0.5, seed=int(rng.integers(1 << 30)))
    X, delta = embed_within_graph(W)
    b = cluster_bracket(X, delta)
    assert "branch and bound" in b.method
    assert b.exact == set_cover_min(X, delta)
    assert check_clustering(X, b.exact_labels, delta) == b.exact


# ------------------------------------------------------------------ tensor structure
def clustered(rng: np.random.Generator, n: int, d: int, k: int, spread: float) -> np.ndarray:
    centres = rng.uniform(-2, 2, (k, d))
    return centres[rng.integers(k, size=n)] + spread * rng.standard_normal((n, d))


@settings(max_examples=25, deadline=None)
@given(SEEDS, st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.floats(0.01, 0.5))
def test_kron_product_diameters_never_exceed_the_bound(seed, d, k1, k2, spread):
    rng = np.random.default_rng(seed)
    K1 = clustered(rng, int(rng.integers(1, 15)), d, k1, spread)
    K2 = clustered(rng, int(rng.integers(1, 15)), d, k2, spread)
    delta1, delta2 = 6 * spread, 4 * spread
    kb = kron_cluster_bracket(K1, K2, delta1, delta2)
    R1, R2 = np.abs(K1).max(), np.abs(K2).max()
    assert kb.delta_bound == pytest.approx(delta1 * R2 + R1 * delta2, rel=1e-15)
    tol = 1 + 1e-12
    assert kb.max_diameter <= kb.delta_bound * tol
    assert (kb.diameters <= kb.cluster_bounds * tol + 1e-300).all()
    assert (kb.cluster_bounds <= kb.delta_bound * tol).all()
    assert kb.worst_ratio <= tol
    # recompute one product cluster's diameter independently
    lab1, lab2 = kb.factor1.best_labels, kb.factor2.best_labels
    rows = [K1[j] * K2[k] for j in np.flatnonzero(lab1 == 0) for k in np.flatnonzero(lab2 == 0)]
    assert diameter(np.array(rows)) == pytest.approx(kb.diameters[0, 0], rel=1e-12, abs=1e-15)
    if kb.product is not None:
        assert kb.product.lower <= kb.m1 * kb.m2  # the product clusters exist


def test_kron_tightness_search_is_bounded_seeded_and_consistent():
    a = kron_tightness_search(max_examples=15, seed=3, n_max=4, d_max=3)
    b = kron_tightness_search(max_examples=15, seed=3, n_max=4, d_max=3)
    assert a.to_dict() == b.to_dict()
    assert a.examples <= 15 and a.max_worst_ratio <= 1 + 1e-12
    assert a.ratio >= 1.0 / (a.m1 * a.m2)
    P = np.einsum("jl,kl->jkl", a.K1, a.K2).reshape(-1, a.K1.shape[1])
    assert cluster_bracket(P, a.alpha * a.delta_bound, exact=True).exact == a.needed


# ------------------------------------------------------------------ plateau
def test_cluster_plateau_counts():
    p = cluster_plateau(2, [100, 1000, 10_000, 30_000], 0.5, rng=np.random.default_rng(0))
    assert list(p.counts) == sorted(p.counts)
    assert p.counts[-1] <= p.cover_upper  # theorem: centres are delta/2-separated
    assert p.counts[-1] - p.counts[-2] <= 3  # flat in n
    assert p.cover_lower <= p.plateau <= p.cover_upper
    X = sample_ball(30_000, 2, np.random.default_rng(0))
    assert p.counts[-1] == greedy_net(X, 0.25).size  # same stream, same clustering


# ------------------------------------------------------------------ bad input
BAD_DELTAS = [
    (0.0, ValueError),
    (-1.0, ValueError),
    (math.nan, ValueError),
    (math.inf, ValueError),
    ("0.5", TypeError),
    (True, TypeError),
]


@pytest.mark.parametrize("bad,exc", BAD_DELTAS)
def test_bad_delta(bad, exc):
    X = np.zeros((3, 2))
    for call in (
        lambda: greedy_net(X, bad),
        lambda: separated_set(X, bad),
        lambda: cluster_bracket(X, bad),
        lambda: covering_bounds(3, bad),
        lambda: cluster_plateau(2, [10, 20], bad, rng=np.random.default_rng(0)),
    ):
        with pytest.raises(exc, match=r"\bdelta\b"):
            call()
    with pytest.raises(exc, match=r"\bdelta1\b"):
        kron_cluster_bracket(X, X, bad, 1.0)
    with pytest.raises(exc, match=r"\bdelta2\b"):
        kron_cluster_bracket(X, X, 1.0, bad)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, math.nan, math.inf])
def test_bad_eps(bad):
    with pytest.raises(ValueError, match=r"\beps\b"):
        near_orthogonal_packing(3, bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\beps\b"):
        packing_growth([2, 3], bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\balpha\b"):
        kron_tightness_search(alpha=bad)


@pytest.mark.parametrize(
    "bad,exc", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError), ("3", TypeError)]
)
def test_bad_dimension(bad, exc):
    rng = np.random.default_rng(0)
    for call in (
        lambda: covering_bounds(bad, 0.5),
        lambda: covering_number_estimate(bad, 0.5, rng=rng),
        lambda: near_orthogonal_packing(bad, 0.5, rng),
        lambda: cluster_plateau(bad, [10, 20], 0.5, rng=rng),
        lambda: sample_sphere(5, bad, rng),
    ):
        with pytest.raises(exc, match=r"\bd\b"):
            call()


@pytest.mark.parametrize(
    "bad,exc",
    [
        (np.zeros((0, 2)), ValueError),
        (np.array([[0.0, np.nan]]), ValueError),
        (np.array([[np.inf, 0.0]]), ValueError),
        (np.zeros(3), ValueError),
        (np.array([["a", "b"]]), TypeError),
        (np.array([[1j, 0]]), TypeError),
        (np.zeros((2, 2, 2)), ValueError),
    ],
)
def test_bad_point_sets(bad, exc):
    with pytest.raises(exc, match=r"\bpoints\b"):
        greedy_net(bad, 0.5)
    with pytest.raises(exc, match=r"\bpoints\b"):
        separated_set(bad, 0.5)
    with pytest.raises(exc, match=r"\bK\b"):
        cluster_bracket(bad, 0.5)
    with pytest.raises(exc, match=r"\bK1\b"):
        kron_cluster_bracket(bad, np.ones((2, 2)), 0.5, 0.5)
    with pytest.raises(exc, match=r"\bK2\b"):
        kron_cluster_bracket(np.ones((2, 2)), bad, 0.5, 0.5)


def test_other_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"\brng\b"):
        covering_number_estimate(3, 0.5, rng=None)
    with pytest.raises(TypeError, match=r"\brng\b"):
        near_orthogonal_packing(3, 0.5, 4.2)
    # The one rng policy: an int seed means default_rng(seed).
    assert (
        near_orthogonal_packing(3, 0.5, 42).vectors
        == near_orthogonal_packing(3, 0.5, np.random.default_rng(42)).vectors
    ).all()
    with pytest.raises(ValueError, match=r"\bn_samples\b"):
        covering_number_estimate(3, 0.5, n_samples=0, rng=rng)
    with pytest.raises(ValueError, match=r"\br\b"):
        covering_bounds(3, 0.5, r=0.0)
    with pytest.raises(TypeError, match=r"\bsphere\b"):
        covering_bounds(3, 0.5, sphere="yes")
    with pytest.raises(ValueError, match=r"\bns\b"):
        cluster_plateau(2, [20, 10], 0.5, rng=rng)
    with pytest.raises(ValueError, match=r"\bns\b"):
        cluster_plateau(2, [20], 0.5, rng=rng)
    with pytest.raises(ValueError, match="same width"):
        kron_cluster_bracket(np.ones((2, 2)), np.ones((2, 3)), 0.5, 0.5)
    with pytest.raises(TypeError, match=r"\bexact\b"):
        cluster_bracket(np.ones((2, 2)), 0.5, exact="yes")
    with pytest.raises(ValueError, match=r"\bn_max\b"):
        kron_tightness_search(n_max=8)
    with pytest.raises(ValueError, match=r"\bds\b"):
        packing_growth([3, 3], 0.5, rng)
    with pytest.raises(ValueError, match=r"\bblock\b"):
        greedy_net(np.ones((2, 2)), 0.5, block=0)
    with pytest.raises(ValueError, match=r"\bmax_cluster_rows\b"):
        kron_cluster_bracket(np.zeros((30, 2)), np.zeros((30, 2)), 0.5, 0.5, max_cluster_rows=100)


# ------------------------------------------------------------------ plots, doctests
def test_plots_are_deterministic_svg():
    rng = np.random.default_rng(0)
    ests = [covering_number_estimate(3, t, n_samples=800, n_holdout=100, rng=rng) for t in (0.3, 0.6, 1.2)]
    plats = [cluster_plateau(2, [50, 500, 2000], 0.5, rng=rng)]
    growth = packing_growth([2, 3, 4], 0.5, rng, n_candidates=500, restarts=1)
    for fn, data in [
        (geo_plots.covering_svg, ests),
        (geo_plots.plateau_svg, plats),
        (geo_plots.packing_svg, growth),
    ]:
        first = fn(data)
        assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
        assert first == fn(data)  # same data, same bytes
        assert "dc:date" not in first
        as_dicts = [x.to_dict() for x in data] if isinstance(data, list) else data.to_dict()
        assert fn(as_dicts) == first  # the report can pass JSON back in


GEOMETRY_MODULES = [
    "nets",
    "sampling",
    "covering",
    "packing",
    "clustering",
    "kron_clusters",
    "plateau",
    "plots",
]


@pytest.mark.parametrize(
    "name", [f"tensorkv_check.geometry.{m}" for m in GEOMETRY_MODULES] + ["tensorkv_check.engine.distances"]
)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------ shared distances
def test_sq_distances_is_the_per_pair_predicate():
    rng = np.random.default_rng(11)
    A, C = rng.standard_normal((7, 5)), rng.standard_normal((4, 5))
    ref = np.array([[float(((a - c) * (a - c)).sum()) for c in C] for a in A])
    assert np.array_equal(distances.sq_distances(A, C), ref)


@pytest.mark.parametrize("s", [0, 1, 2, 40, 3000])
def test_diameter_matches_brute_force_across_chunks(s):
    # s = 3000 in d = 8 splits the rows into many chunks; the value must not depend on it.
    from scipy.spatial.distance import pdist

    P = np.random.default_rng(s).standard_normal((s, 8))
    expected = float(pdist(P).max()) if s >= 2 else 0.0
    assert distances.diameter(P) == pytest.approx(expected, rel=1e-12, abs=0.0)


# ------------------------------------------- certified covers of S^1 and S^2 (sphere_cover)
def test_sphere_covering_radius_matches_dense_evaluation():
    from scipy.spatial import cKDTree

    from tensorkv_check.geometry import sample_sphere, sphere_covering_radius

    rng = np.random.default_rng(5)
    C2 = sample_sphere(9, 2, rng)
    r2, far2 = sphere_covering_radius(C2)
    th = np.linspace(0, 2 * np.pi, 400_001)
    grid2 = np.c_[np.cos(th), np.sin(th)]
    dense2 = cKDTree(C2).query(grid2)[0].max()
    assert dense2 <= r2 + 1e-12 and r2 - dense2 <= 2 * np.pi / 400_000
    assert abs(np.min(np.linalg.norm(C2 - far2, axis=1)) - r2) <= 1e-12
    C3 = sample_sphere(40, 3, rng)
    r3, far3 = sphere_covering_radius(C3)
    z = rng.standard_normal((200_000, 3))
    dense3 = cKDTree(C3).query(z / np.linalg.norm(z, axis=1, keepdims=True))[0].max()
    assert dense3 <= r3 + 1e-12 and r3 - dense3 <= 0.02
    assert abs(np.min(np.linalg.norm(C3 - far3, axis=1)) - r3) <= 1e-12
    with pytest.raises(ValueError, match="unit"):
        sphere_covering_radius(2 * C2)
    with pytest.raises(ValueError, match="great circle"):
        sphere_covering_radius(np.c_[C2, np.zeros(9)])


def test_sphere_cover_circle_sizes_between_exact_covering_and_packing_numbers():
    from tensorkv_check.geometry import sphere_cover

    for delta in (0.05, 0.3, 0.5, 1.0, 1.99):
        c = sphere_cover(2, delta, rng=3)
        theta = 2 * math.asin(delta / 2)
        N = math.ceil(math.pi / theta - 1e-12)
        M = math.ceil(2 * math.pi / theta - 1e-12) - 1
        assert N <= c.size <= M and c.covering_radius <= delta < c.separation
    with pytest.raises(ValueError, match="d must be 2 or 3"):
        sphere_cover(4, 0.5, rng=0)
    with pytest.raises(ValueError, match="delta"):
        sphere_cover(3, 1.5, rng=0)


@pytest.fixture()
def covering_checks():
    import importlib

    from tensorkv_check.claims.registry import CheckContext

    return importlib.import_module("proofs.covering"), CheckContext(seed=0, profile="quick")


def test_sphere_cover_check_fails_with_a_cover_at_twice_delta(covering_checks, monkeypatch):
    import dataclasses

    import tensorkv_check.geometry as geometry

    mod, ctx = covering_checks
    assert mod.check_engine_sphere_covers(ctx).passed
    orig = geometry.sphere_cover

    def at_twice(d, delta, **k):  # a planted 2x error: the engine covers at 2δ and reports δ
        c = orig(d, min(2 * delta, 1.99 if d == 2 else 1.41), **k)
        return dataclasses.replace(c, delta=delta, covering_radius=min(c.covering_radius, delta))

    monkeypatch.setattr(geometry, "sphere_cover", at_twice)
    r = mod.check_engine_sphere_covers(ctx)
    assert not r.passed
    failed = {f for row in r.details["rows"] for f in row["failed"]}
    assert "fine evaluation: max distance ≤ δ" in failed and "size ≥ N(S^1, δ)" in failed


def test_sphere_cover_check_fails_with_half_the_centres(covering_checks, monkeypatch):
    import dataclasses

    import tensorkv_check.geometry as geometry

    mod, ctx = covering_checks
    orig = geometry.sphere_cover

    def half(d, delta, **k):
        c = orig(d, delta, **k)
        return dataclasses.replace(c, centres=c.centres[: max(1, c.size // 2)])

    monkeypatch.setattr(geometry, "sphere_cover", half)
    r = mod.check_engine_sphere_covers(ctx)
    assert not r.passed and all(row["failed"] for row in r.details["rows"] if row["size"] > 1)


def test_packing_lower_bound_check_fails_for_one_vector_and_for_twice_eps(covering_checks, monkeypatch):
    import tensorkv_check.geometry as geometry

    mod, ctx = covering_checks
    assert mod.check_engine_packing_above_cap_bound(ctx).passed
    orig = geometry.near_orthogonal_packing

    class One:
        def __init__(self, p):
            self.vectors = p.vectors[:1]

    monkeypatch.setattr(geometry, "near_orthogonal_packing", lambda *a, **k: One(orig(*a, **k)))
    r = mod.check_engine_packing_above_cap_bound(ctx)
    assert not r.passed and all("size ≥ 1/(2σ_d(ε))" in row["failed"] for row in r.details["rows"])
    # A planted 2x error in ε: the engine packs at 2ε = 0.9 and its sets break |⟨u, v⟩| ≤ 0.45.
    # (capped at 64 vectors to keep the test fast; 64 already exceed every bound here)
    monkeypatch.setattr(
        geometry, "near_orthogonal_packing", lambda d, eps, rng, **k: orig(d, 2 * eps, rng, max_size=64, **k)
    )
    r = mod.check_engine_packing_above_cap_bound(ctx)
    assert not r.passed and all("pairwise |⟨u, v⟩| ≤ ε" in row["failed"] for row in r.details["rows"])
