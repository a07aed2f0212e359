"""Volume correction to 20 °C (GB/T 1885 ≙ ISO 91 / API 2540 generalised products).

Coefficients come from the data file (references.volume_correction), not from this module.
A 10 °C swing changes gasoline volume by about 1.2 %, four times the dispenser MPE, so every
tank reconciliation works in litres at 20 °C.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Mapping

# ρ20 → ρ15 by fixed-point iteration converges geometrically (factor ~1e-5), so this is plenty.
_DENSITY_ITERATIONS = 20


@dataclass(frozen=True)
class DensityBand:
    """One product band of the API 2540 table: alpha15 = a + (k0 + k1·ρ15) / ρ15²."""

    name: str
    rho15_from: float
    rho15_to: float
    a: float
    k0: float
    k1: float


@dataclass(frozen=True)
class VolumeCorrection:
    reference_temperature_c: float
    base_temperature_c: float
    expansion_term: float
    bands: tuple[DensityBand, ...]

    @classmethod
    def from_reference(cls, reference: Mapping[str, Any]) -> VolumeCorrection:
        return cls(
            reference_temperature_c=reference["reference_temperature_c"],
            base_temperature_c=reference["base_temperature_c"],
            expansion_term=reference["expansion_term"],
            bands=tuple(DensityBand(**band) for band in reference["bands"]),
        )

    def expansion_coefficient(self, rho15: float) -> float:
        # Bands are half-open [from, to): a density exactly on an edge belongs to the heavier band.
        for band in self.bands:
            if band.rho15_from <= rho15 < band.rho15_to:
                return band.a + (band.k0 + band.k1 * rho15) / rho15**2
        raise ValueError(f"density at 15 °C {rho15:.1f} kg/m³ is outside the correction table")

    def vcf15(self, temperature_c: float, rho15: float) -> float:
        alpha = self.expansion_coefficient(rho15)
        dt = temperature_c - self.reference_temperature_c
        return math.exp(-alpha * dt * (1 + self.expansion_term * alpha * dt))

    @functools.lru_cache(maxsize=64)  # a site has a handful of products; every fill asks again
    def rho15_from_rho20(self, rho20: float) -> float:
        rho15 = rho20
        for _ in range(_DENSITY_ITERATIONS):
            rho15 = rho20 / self.vcf15(self.base_temperature_c, rho15)
        return rho15

    def vcf20(self, temperature_c: float, rho20: float) -> float:
        """Factor from observed volume at `temperature_c` to volume at the 20 °C base."""
        rho15 = self.rho15_from_rho20(rho20)
        return self.vcf15(temperature_c, rho15) / self.vcf15(self.base_temperature_c, rho15)

    def volume_at_20(self, volume_l: float, temperature_c: float, rho20: float) -> float:
        return volume_l * self.vcf20(temperature_c, rho20)
