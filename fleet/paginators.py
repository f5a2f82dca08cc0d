from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most `cap` + 1 rows, so a list of a million rows never costs an exact COUNT(*).

    Past the cap the last page is the cap's; the admin shows "10,000+"-style totals through `capped`.
    """

    cap = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self):
        return self.count > self.cap
