"""GB/T 1885 volume correction to 20 °C against the test vectors of monitoring.md §2.1."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

VECTORS = {  # ρ20 → (ρ15, litres at 20 °C of 1,000 L observed at −5, 0, 10, 20, 25, 30, 35 °C)
    737.0: (741.54, [1030.55, 1024.49, 1012.29, 1000.00, 993.82, 987.62, 981.40]),
    745.0: (749.51, [1030.06, 1024.10, 1012.09, 1000.00, 993.92, 987.82, 981.70]),
    835.0: (838.55, [1021.14, 1016.94, 1008.49, 1000.00, 995.74, 991.47, 987.19]),
}
TEMPERATURES = [-5, 0, 10, 20, 25, 30, 35]


@pytest.fixture(scope="module")
def correction(rulebook):
    return rulebook.for_rule("FD-07").volume_correction


@pytest.mark.parametrize("rho20", VECTORS)
def test_table_reproduced_within_two_centilitres_per_cubic_metre(correction, rho20):
    rho15, litres = VECTORS[rho20]
    assert correction.rho15_from_rho20(rho20) == pytest.approx(rho15, abs=0.005)
    for temperature, expected in zip(TEMPERATURES, litres):
        assert correction.volume_at_20(1000.0, temperature, rho20) == pytest.approx(expected, abs=0.02)


def test_diesel_sits_just_below_the_839_band_edge(correction):
    """0# diesel ρ15 ≈ 838.55: the jet/kerosene band applies; at 839 exactly the fuel-oil band does."""
    assert correction.rho15_from_rho20(835.0) < 839.0
    below, at_edge = correction.expansion_coefficient(838.999), correction.expansion_coefficient(839.0)
    assert below == pytest.approx(594.5418 / 838.999**2)
    assert at_edge == pytest.approx((186.9696 + 0.4862 * 839.0) / 839.0**2)


def test_density_iteration_converges(correction):
    rho15 = correction.rho15_from_rho20(737.0)
    assert abs(rho15 * correction.vcf15(20.0, rho15) - 737.0) < 1e-6


def test_outside_the_table_is_refused(correction):
    with pytest.raises(ValueError):
        correction.expansion_coefficient(600.0)


@given(rho20=st.sampled_from(list(VECTORS)), t1=st.floats(-30, 50), t2=st.floats(-30, 50))
def test_vcf20_is_one_at_20_and_decreasing_in_temperature(correction, rho20, t1, t2):
    assert correction.vcf20(20.0, rho20) == pytest.approx(1.0, abs=1e-12)
    if t1 + 0.01 < t2:
        assert correction.vcf20(t1, rho20) > correction.vcf20(t2, rho20)
