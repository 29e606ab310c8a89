"""How the product-version drop-down marks versions (T-11). Pure functions, no ORM."""
import datetime
import re
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

OBSOLETE = "obsolete"
OUT_OF_GUARANTEE = "out_of_guarantee"
LABELS = {OBSOLETE: _("obsolete"), OUT_OF_GUARANTEE: _("out of guarantee")}


def _version_key(text: str) -> tuple:
    """Order branches and version numbers as versions: 4.10 after 4.9; a text part sorts
    after numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"[.\-]", text))


def version_marks(versions: Iterable, *, today: datetime.date,
                  guarantee_days: int) -> dict[int, str]:
    """Map each version's pk to "", OBSOLETE or OUT_OF_GUARANTEE, product by product.

    The latest version of the latest branch has no mark; a version released more than
    ``guarantee_days`` ago, or in an earlier branch and not that branch's latest, is out of
    guarantee; every other version is obsolete (still gets bug-fix patches).
    """
    by_product: dict[int, list] = {}
    for version in versions:
        by_product.setdefault(version.product_id, []).append(version)
    marks: dict[int, str] = {}
    cutoff = today - datetime.timedelta(days=guarantee_days)
    for product_versions in by_product.values():
        latest_in_branch = {}
        for version in product_versions:
            best = latest_in_branch.get(version.branch)
            # Two releases on one day: the higher number is the latest.
            if best is None or ((version.released_on, _version_key(version.number))
                                > (best.released_on, _version_key(best.number))):
                latest_in_branch[version.branch] = version
        latest_branch = max(latest_in_branch, key=_version_key)
        newest = latest_in_branch[latest_branch]
        for version in product_versions:
            if version.pk == newest.pk:
                marks[version.pk] = ""
            elif version.released_on < cutoff or (
                    version.branch != latest_branch
                    and version.pk != latest_in_branch[version.branch].pk):
                marks[version.pk] = OUT_OF_GUARANTEE
            else:
                marks[version.pk] = OBSOLETE
    return marks
