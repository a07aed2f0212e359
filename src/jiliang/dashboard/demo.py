"""The dashboard's part of the demo: every month of the retained history counted at once (the
verification demo holds years of certificates), so the trends show from the first page."""

import time

from jiliang.dashboard import refresh


def load(out):
    started = time.monotonic()
    counts = refresh.rebuild()
    out.write(f"Dashboard figures: {counts['stock'] + counts['flow']} county-month figures, "
              f"{counts['sites']} sites on the map ({time.monotonic() - started:.1f} s).")
